# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""`python -m vivit_hf.convert`: released checkpoints -> Hub-ready folders that load with the right logits."""

import json
import os
import re
import runpy
import shlex
import sys
import warnings
from pathlib import Path

import fresh_python
import huggingface_hub.constants
import numpy as np
import pytest
import torch
from conftest import case_dir, fixture_cases
from hub_standin import HubStandIn, read_from, serve_folder
from huggingface_hub import ModelCard, ModelCardData
from huggingface_hub.utils import filter_repo_objects
from test_scenic_equivalence import logits_atol
from transformers import AutoConfig, AutoModelForVideoClassification, VivitConfig, VivitForVideoClassification

import vivit_hf  # noqa: F401 - registers the Auto classes
from vivit_hf import ViViTSpatioTemporalConfig, ViViTSpatioTemporalModel
from vivit_hf.conversion.cli import read_class_names
from vivit_hf.conversion.scenic_checkpoint import read_python_config
from vivit_hf.convert import main
from vivit_hf.processing.processing_vivit import ViViTVideoProcessor
from vivit_hf.training.data import VideoClassificationData

CASES = fixture_cases("scenic", extra=True)
REPO = Path(__file__).resolve().parents[1]
FLAX_DATA = REPO / "tests" / "data" / "flax"  # checkpoints written by flax itself (see the script there)


def scenic_python_config(config: dict, prose_line: bool = False) -> str:
    """A config file in scenic's style: `get_config()` filling an `ml_collections.ConfigDict` field by field."""
    lines = [
        "from absl import logging",
        "import ml_collections",
        "",
        "",
        "def get_config():",
        '  """Returns the experiment configuration."""',
        "  config = ml_collections.ConfigDict()",
    ]

    def emit(prefix, node):
        for key, value in node.items():
            if isinstance(value, dict):
                lines.append(f"  {prefix}.{key} = ml_collections.ConfigDict()")
                emit(f"{prefix}.{key}", value)
            else:
                lines.append(f"  {prefix}.{key} = {value!r}")

    emit("config", config)
    if prose_line:  # scenic's Epic Kitchens config ships a comment line that lost its '#'
        lines.append("  Use a pretrained Kinetics checkpoint, or ImageNet checkpoint")
    lines.append("  return config")
    return "\n".join(lines) + "\n"


def scenic_case(name, tmp_path):
    """A fixture case's params as an .npz and its config as a scenic .py file. Checkpoints as flax writes them:
    FLAX_DATA (test_scenic_checkpoint.py reads every layout; `flax_case` below converts one with the CLI)."""
    case = case_dir("scenic", name)
    config = json.loads((case / "config.json").read_text())
    config_file = tmp_path / "config.py"
    config_file.write_text(scenic_python_config(config["scenic_config"]))
    return case, case / "params.npz", config_file


def flax_case(tmp_path):
    """scenic's params of `spacetime_3dconv_token` in scenic's pre-optax TrainState, written by flax's
    `save_checkpoint` (a directory of checkpoint_<step> files; `optimizer.state.step` an np.int32)."""
    config_file = tmp_path / "config.py"
    config_file.write_text(
        scenic_python_config(json.loads((FLAX_DATA / "spacetime_3dconv_token_config.json").read_text()))
    )
    return case_dir("scenic", "spacetime_3dconv_token"), FLAX_DATA / "old_train_state", config_file


def fixture_logits(model, case):
    video = torch.from_numpy(np.load(case / "input.npy")).permute(0, 1, 4, 2, 3)
    with torch.no_grad():
        return model(pixel_values=video)


def fixture_atol(case):
    """The equivalence test's tolerance on the logits, which grows with their magnitude (large sum-pooled logits)."""
    with np.load(case / "params.npz", allow_pickle=False) as archive:
        return logits_atol({key: archive[key] for key in archive.files}, case)


@pytest.mark.parametrize("name", CASES)
def test_scenic_checkpoint_converts_to_a_folder_with_the_fixture_logits(name, tmp_path):
    case, checkpoint, config_file = scenic_case(name, tmp_path)
    out = tmp_path / "out"
    main(["scenic", "--checkpoint", str(checkpoint), "--config", str(config_file), "--out", str(out)])
    model = AutoModelForVideoClassification.from_pretrained(out)
    output = fixture_logits(model, case)
    atol = fixture_atol(case)
    np.testing.assert_allclose(output.logits.numpy(), np.load(case / "logits.npy"), atol=atol, rtol=0)
    for head_file in case.glob("logits_*.npy"):
        head = head_file.stem.removeprefix("logits_")
        np.testing.assert_allclose(output.head_logits[head].numpy(), np.load(head_file), atol=atol, rtol=0)


def test_converted_folder_is_hub_ready(tmp_path):
    case, checkpoint, config_file = flax_case(tmp_path)
    out = tmp_path / "out"
    main(["scenic", "--checkpoint", str(checkpoint), "--config", str(config_file), "--out", str(out)])
    assert (out / "model.safetensors").is_file()
    config = json.loads((out / "config.json").read_text())
    assert config["model_type"] == "vivit_spatio_temporal" and "AutoModelForVideoClassification" in config["auto_map"]
    processor = ViViTVideoProcessor.from_pretrained(out)
    assert processor.num_frames == 4 and processor.crop_size["height"] == 32 and processor.normalization == "scenic"
    card = (out / "README.md").read_text()
    assert (
        card.startswith("---\n") and "pipeline_tag: video-classification" in card and "vivit_hf.convert scenic" in card
    )


def test_module_entry_point_converts_a_checkpoint_flax_wrote(tmp_path):
    case, checkpoint, config_file = flax_case(tmp_path)
    out = tmp_path / "out"
    args = ["scenic", "--checkpoint", str(checkpoint), "--config", str(config_file), "--out", str(out)]
    # `python -m vivit_hf.convert ARGS` (runpy's run of a module as `__main__`, as `-m` runs it) in a process forked
    # from tests/fresh_python.py's server (the one test_docs' and test_export's children come from), in the
    # repository: a new interpreter importing torch and transformers cost some 5 s of CPU more
    run = "runpy.run_module('vivit_hf.convert', run_name='__main__', alter_sys=True)"
    code = f"import runpy, sys; sys.argv[1:] = {args!r}; {run}"
    result = fresh_python.server(fresh_python.EXAMPLES, dict(os.environ)).run(["-c", code], cwd=REPO, timeout=300)
    assert result.returncode == 0, result.stderr
    model = AutoModelForVideoClassification.from_pretrained(out)
    expected = np.load(case / "logits.npy")
    np.testing.assert_allclose(fixture_logits(model, case).logits.numpy(), expected, atol=fixture_atol(case), rtol=0)


def test_shipped_config_with_a_stray_prose_line_still_reads(tmp_path):
    config = json.loads((case_dir("scenic", "multihead_factorized_encoder_token") / "config.json").read_text())
    path = tmp_path / "epic_kitchens.py"
    path.write_text(scenic_python_config(config["scenic_config"], prose_line=True))
    read = read_python_config(path)
    assert read["dataset_configs"]["split_names"] == ["noun", "verb"]
    assert read["model"]["patches"]["size"] == [8, 8, 2]
    assert "ml_collections" not in sys.modules  # the stand-in does not leak


def test_transformers_vivit_folder_converts_with_the_same_logits(tmp_path):
    torch.manual_seed(0)
    reference = VivitForVideoClassification(
        VivitConfig(
            hidden_size=16,
            num_hidden_layers=2,
            num_attention_heads=2,
            intermediate_size=32,
            image_size=32,
            num_frames=4,
            tubelet_size=[2, 8, 8],
            num_labels=5,
        )
    ).eval()
    with torch.no_grad():
        for parameter in reference.parameters():
            parameter.add_(torch.randn_like(parameter) * 0.1)
    reference.save_pretrained(tmp_path / "vivit")
    out = tmp_path / "out"
    main(["transformers", "--model", str(tmp_path / "vivit"), "--out", str(out)])
    model = AutoModelForVideoClassification.from_pretrained(out)
    assert type(model).__name__ == "ViViTSpatioTemporalForVideoClassification"
    clip = torch.randn(2, 4, 3, 32, 32)
    with torch.no_grad():
        torch.testing.assert_close(
            model(pixel_values=clip).logits, reference(pixel_values=clip).logits, atol=1e-5, rtol=0
        )


def _card_command(folder) -> list[str]:
    card = (folder / "README.md").read_text()
    return shlex.split(card.split("```bash\n", 1)[1].split("\n```", 1)[0])


def test_a_conversion_called_from_python_gets_a_card_command_that_reruns_it(tmp_path, monkeypatch):
    """The card of a conversion called from Python showed a bare `python -m vivit_hf.convert transformers`, which
    does not run (no --model, no --out); it now shows the command line that makes the same folder."""
    from vivit_hf.convert import convert_scenic_checkpoint, convert_transformers_checkpoint

    VivitForVideoClassification(
        VivitConfig(
            hidden_size=16,
            num_hidden_layers=1,
            num_attention_heads=2,
            intermediate_size=32,
            image_size=32,
            num_frames=4,
            tubelet_size=[2, 8, 8],
            num_labels=3,
        )
    ).save_pretrained(tmp_path / "vivit")
    convert_transformers_checkpoint(tmp_path / "vivit", tmp_path / "from_python")
    command = _card_command(tmp_path / "from_python")
    assert command[:4] == ["python", "-m", "vivit_hf.convert", "transformers"]
    assert command[4:] == ["--model", "vivit", "--out", "from_python"]  # paths cut to their names, as cards do
    monkeypatch.chdir(tmp_path)
    main([*command[3:-1], "rerun"])  # the command runs where the paths are
    assert (tmp_path / "rerun" / "model.safetensors").is_file()
    case, checkpoint, config_file = flax_case(tmp_path)
    convert_scenic_checkpoint(checkpoint, config_file, tmp_path / "scenic_from_python")
    words = _card_command(tmp_path / "scenic_from_python")
    assert words[3:] == [
        "scenic",
        "--checkpoint",
        checkpoint.name,
        "--config",
        config_file.name,
        "--out",
        "scenic_from_python",
    ]


@pytest.mark.parametrize(
    "out_flag, push_flags, full_id, revision, deprecated",
    [
        # the converter's own, deprecated: the warning named `--push_to_hub me/vivit-tiny`, not what was typed
        ("--out", ["--push-to-hub", "me/vivit-tiny"], "me/vivit-tiny", None, "--push-to-hub me/vivit-tiny is depr"),
        (
            "--output_dir",
            ["--push_to_hub", "--hub_model_id", "vivit-tiny"],
            "standin-user/vivit-tiny",
            "converted",
            "--revision is deprecated: give --hub_revision converted; it names the branch the folder is pushed to",
        ),
    ],
)
def test_push_to_hub_uploads_the_converted_folder(
    tmp_path, monkeypatch, caplog, capsys, out_flag, push_flags, full_id, revision, deprecated
):
    """The recipes' spellings too: a new user typed --push_to_hub, as finetune.py spells it, and was refused. The
    pushed card named no repo: `# vivit-spatio-temporal-converted` and `from_pretrained("path/or/repo-id")`; it names
    the repo the Hub made (owner included: a name alone is the token's user's), under scenic's licence. The user's
    files that --overwrite_output_dir keeps in --out (notes, a .env) were uploaded with the model. `--revision`
    (push_to_hub's `revision=`) uploads to that branch, made for it, which the card's usage example loads; it was
    taken without a word, where a user converting a Hub id may mean the revision read (from_pretrained's)."""
    case, checkpoint, config_file = scenic_case("spacetime_3dconv_token", tmp_path)
    user_files = {"notes.txt": "mine", ".env": "HF_TOKEN=secret", "my [data]/a.csv": "1,2", "pipeline.py": "# mine"}
    for name, text in user_files.items():
        (tmp_path / "out" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "out" / name).write_text(text)
    with HubStandIn() as hub:  # the real huggingface_hub client against a local stand-in of the Hub API
        monkeypatch.setenv("HF_ENDPOINT", hub.endpoint)
        monkeypatch.setenv("HF_TOKEN", "hf_standin")
        monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)  # 127.0.0.1 only
        argv = [
            "scenic",
            "--checkpoint",
            str(checkpoint),
            "--config",
            str(config_file),
            out_flag,
            str(tmp_path / "out"),
            *push_flags,
            "--overwrite_output_dir",
            *(["--revision", revision] if revision else []),
        ]
        main(argv)
    files = hub.branches[full_id][revision or "main"]
    assert [commit["revision"] for commit in hub.commits] == [revision or "main"]
    assert not set(user_files) & set(files) and "modeling_vivit.py" in files, sorted(files)  # the code, not theirs
    assert all((tmp_path / "out" / name).read_text() == text for name, text in user_files.items())  # kept here
    assert {"model.safetensors", "config.json", "README.md", "video_preprocessor_config.json"} <= set(files)
    assert files["config.json"] == (tmp_path / "out" / "config.json").read_bytes()
    card = ModelCard(files["README.md"].decode())
    assert f"\n# {full_id}\n" in card.text and card.data.model_name == full_id
    at = f', revision="{revision}"' if revision else ""
    assert f'AutoModelForVideoClassification.from_pretrained("{full_id}"{at}, trust_remote_code=True)' in card.text
    assert card.data.license == "apache-2.0" and "path/or/repo-id" not in card.text
    said = [record.getMessage() for record in caplog.records if "deprecated" in record.getMessage()]
    assert len(said) == 1 and said[0].startswith(deprecated), said
    # Offline, the push is refused naming the `hf upload` command that uploads --out later: `hf upload REPO out .`,
    # the user's files too. Its flags, as the `hf upload` CLI hands them to `upload_folder`, take what the push did.
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    capsys.readouterr()
    main(argv)
    command = shlex.split(capsys.readouterr().err.split("`")[-2])
    flags = {"--include": [], "--exclude": []}
    for flag, value in zip(command[5::2], command[6::2], strict=True):
        flags.setdefault(flag, []).append(value)
    every = [path.relative_to(tmp_path / "out").as_posix() for path in (tmp_path / "out").rglob("*") if path.is_file()]
    by_hand = filter_repo_objects(every, allow_patterns=flags["--include"] or None, ignore_patterns=flags["--exclude"])
    assert sorted(by_hand) == sorted(files), command


@pytest.mark.parametrize(
    "metadata, license, said",
    [
        ({"license": "cc-by-nc-4.0"}, "cc-by-nc-4.0", "- License: `cc-by-nc-4.0`, the source checkpoint's"),
        (
            {"license": "other", "license_name": "lab-terms", "license_link": "LICENSE"},
            "other",
            "- License: `other` (lab-terms), the source checkpoint's",
        ),
        (None, None, "- License: unknown: the source checkpoint states none"),
    ],
)
def test_a_converted_transformers_checkpoint_keeps_the_license_its_card_states(tmp_path, metadata, license, said):
    """The converted card said `license: apache-2.0` whatever the source's was (a non-commercial checkpoint came out
    Apache-2.0 on the Hub). The reference: the source's own card, read by huggingface_hub."""
    small = dict(hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32, image_size=32)
    VivitForVideoClassification(VivitConfig(num_frames=4, tubelet_size=[2, 8, 8], **small)).save_pretrained(
        tmp_path / "vivit"
    )
    if metadata is not None:
        ModelCard.from_template(ModelCardData(**metadata)).save(tmp_path / "vivit" / "README.md")
    main(["transformers", "--model", str(tmp_path / "vivit"), "--out", str(tmp_path / "out")])
    card = ModelCard.load(tmp_path / "out" / "README.md")
    assert card.data.license == license and said in card.text
    if license == "other":
        assert (card.data.license_name, card.data.license_link) == ("lab-terms", "LICENSE")


def test_a_hub_checkpoint_whose_card_the_hub_fails_to_serve_converts_with_no_licence(tmp_path, monkeypatch):
    """The card is read after the weights: a Hub error on README.md alone (a 500) stopped the conversion of a
    checkpoint already read, where an offline or missing card gave no licence. Now none is known, as for those."""
    import httpx2
    from huggingface_hub.errors import HfHubHTTPError

    small = dict(hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32, image_size=32)
    source = tmp_path / "vivit"
    VivitForVideoClassification(VivitConfig(num_frames=4, tubelet_size=[2, 8, 8], **small)).save_pretrained(source)

    def hub(repo_id, filename, **kwargs):  # the Hub stand-in: serves the weights, fails on the card
        if filename == "README.md":
            url = f"https://huggingface.co/{repo_id}/resolve/main/README.md"
            response = httpx2.Response(500, request=httpx2.Request("GET", url))
            raise HfHubHTTPError("500 Server Error: Internal Server Error", response=response)
        if not (source / filename).is_file():
            from huggingface_hub.errors import EntryNotFoundError

            raise EntryNotFoundError(f"no {filename}")
        return str(source / filename)

    monkeypatch.setattr("huggingface_hub.hf_hub_download", hub)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)  # online: the stand-in above answers
    main(["transformers", "--model", "someone/vivit-b", "--out", str(tmp_path / "out")])
    card = ModelCard.load(tmp_path / "out" / "README.md")
    # not "the source checkpoint states none": the card was not read, and the card says why
    said = "- License: unknown: the card that states it could not be read (the Hub answered HTTP 500"
    assert card.data.license is None and said in card.text


def test_a_converted_hub_checkpoint_names_it_as_base_model_and_keeps_its_licence(tmp_path, monkeypatch):
    """The card of a checkpoint converted from a Hub repo had no `base_model` metadata, so the Hub did not link the
    two (a local source has none: its path means nothing there). Read from the Hub stand-in with from_pretrained's
    `proxies=` too, which huggingface_hub no longer takes (a warning, not passed on): the licence its card states."""
    small = dict(hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32, image_size=32)
    source = tmp_path / "vivit"
    VivitForVideoClassification(VivitConfig(num_frames=4, tubelet_size=[2, 8, 8], **small)).save_pretrained(source)
    ModelCard.from_template(ModelCardData(license="cc-by-nc-4.0")).save(source / "README.md")
    from vivit_hf.convert import convert_transformers_checkpoint

    with HubStandIn() as hub:
        serve_folder(hub, "someone/vivit-b", source)
        read_from(hub, monkeypatch, tmp_path / "cache")
        main(["transformers", "--model", "someone/vivit-b", "--out", str(tmp_path / "out")])
        card = ModelCard.load(tmp_path / "out" / "README.md")
        assert (card.data.base_model, card.data.license) == ("someone/vivit-b", "cc-by-nc-4.0")
        with pytest.warns(UserWarning, match="proxies= is ignored"):
            convert_transformers_checkpoint("someone/vivit-b", tmp_path / "proxied", proxies={"https": "http://x:9"})
    assert ModelCard.load(tmp_path / "proxied" / "README.md").data == card.data
    main(["transformers", "--model", str(source), "--out", str(tmp_path / "local")])
    assert ModelCard.load(tmp_path / "local" / "README.md").data.base_model is None


def test_a_checkpoint_without_a_head_is_not_carded_as_a_video_classifier(tmp_path):
    """transformers' `VivitModel` (no classifier) converts to the encoder `ViViTSpatioTemporalModel`; its card said
    "video classifier", `pipeline_tag: video-classification` (the Hub's widget then runs a head it lacks) and a
    usage example with AutoModelForVideoClassification, which gives a random head. Now: the class the folder holds."""
    from transformers import AutoModel, VivitModel

    small = dict(hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32, image_size=32)
    VivitModel(VivitConfig(num_frames=4, tubelet_size=[2, 8, 8], **small)).save_pretrained(tmp_path / "vivit")
    main(["transformers", "--model", str(tmp_path / "vivit"), "--out", str(tmp_path / "out")])
    card = ModelCard.load(tmp_path / "out" / "README.md")
    assert card.data.pipeline_tag is None and "video-classification" not in card.data.tags
    assert "AutoModel.from_pretrained(" in card.text and "AutoModelForVideoClassification" not in card.text
    assert "video encoder (no classification head)" in card.text and not {"labels:", "logits"} & set(card.text.split())
    model = AutoModel.from_pretrained(tmp_path / "out")  # the class the example loads is the one saved
    assert type(model).__name__ == json.loads((tmp_path / "out" / "config.json").read_text())["architectures"][0]


# ---------------------------------------------------------------------------------------------- user errors
def run_cli(argv, capsys):
    """main()'s exit code and its stderr lines but progress bars (a user error is one line, no traceback)."""
    code = main(argv)
    return code, [line for line in capsys.readouterr().err.strip().splitlines() if "it/s]" not in line]


@pytest.mark.parametrize(
    "missing, what",
    [
        ("{tmp}/no/such/vivit", "no such folder (a Hub model id reads 'org/name')"),
        ("./nope", "no such folder (a Hub model id reads 'org/name')"),
        # a folder here without config.json: "'/tmp/x': no config.json in the folder; ..." without the flag
        ("{tmp}", "no config.json in it (give the folder a model was saved to)"),
    ],
)
def test_missing_model_folder_is_named(tmp_path, capsys, missing, what):
    """In the recipes' words (`run_folder.missing_model`, `model_folder_refusal`): it was "'./nope': no such file or
    folder", neither the flag nor that a Hub id reads `org/name` said."""
    missing = missing.format(tmp=tmp_path)
    code, err = run_cli(["transformers", "--model", missing, "--out", str(tmp_path / "out")], capsys)
    said = f"argument --model: {missing!r}: {what}"
    assert code == 2 and err == [f"python -m vivit_hf.convert: error: {said}"], err


def test_converting_a_folder_into_itself_is_refused_and_leaves_it_as_it_was(tmp_path, capsys):
    """`--out` the `--model` folder with --overwrite_output_dir replaced the transformers checkpoint by the converted
    model: the source was gone, exit 0."""
    small = dict(hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32, image_size=32)
    VivitForVideoClassification(VivitConfig(num_frames=4, tubelet_size=[2, 8, 8], **small)).save_pretrained(
        tmp_path / "vivit"
    )
    before = {path.name: path.read_bytes() for path in (tmp_path / "vivit").iterdir()}
    typed = ["transformers", "--model", str(tmp_path / "vivit"), "--out", f"{tmp_path}/./vivit", "--overwrite"]
    code, err = run_cli(typed, capsys)
    assert code == 2 and len(err) == 1 and "is the folder of --model" in err[0], err
    assert {path.name: path.read_bytes() for path in (tmp_path / "vivit").iterdir()} == before


def test_a_vivit_hf_folder_is_named_as_one_that_needs_no_conversion(tmp_path, capsys):
    ours = tmp_path / "ours"
    small = dict(hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32, image_size=32)
    ViViTSpatioTemporalModel(ViViTSpatioTemporalConfig(num_frames=4, **small)).save_pretrained(ours)
    code, err = run_cli(["transformers", "--model", str(ours), "--out", str(tmp_path / "out")], capsys)
    assert code == 2 and len(err) == 1, err
    assert "'vivit_spatio_temporal'" in err[0] and "a vivit_hf model already" in err[0]


def test_hub_id_without_network_says_the_hub_was_not_reached(tmp_path, capsys, monkeypatch):
    import huggingface_hub.constants

    # huggingface_hub reads HF_HUB_OFFLINE once, at import: its own flag is what offline mode is
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    code, err = run_cli(["transformers", "--model", "someone/vivit-b-k400", "--out", str(tmp_path / "out")], capsys)
    assert code == 2 and len(err) == 1, err
    assert "someone/vivit-b-k400" in err[0] and "offline" in err[0] and "no config.json" not in err[0]
    # the flag named, as for a local path and as the recipes' --init_from / --model: it said "'someone/...': ..." alone
    assert err[0].startswith("python -m vivit_hf.convert: error: argument --model: 'someone/vivit-b-k400': "), err


def test_scenic_checkpoint_that_is_a_config_file_is_named(tmp_path, capsys):
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"model": {"hidden_size": 8}}))
    code, err = run_cli(
        [
            "scenic",
            "--checkpoint",
            str(config),
            "--config",
            str(FLAX_DATA / "micro_config.json"),
            "--out",
            str(tmp_path / "out"),
        ],
        capsys,
    )
    assert code == 2 and len(err) == 1, err
    assert f"{config} is not a flax/scenic checkpoint: it is JSON text" in err[0] and "trailing" not in err[0]


@pytest.mark.parametrize("which", ["checkpoint", "config", "labels", "config_is_a_checkpoint", "config_without_model"])
def test_scenic_inputs_that_do_not_fit_are_one_line(which, tmp_path, capsys):
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"model": {"hidden_size": 8}} if which == "config_without_model" else {"x": 1}))
    checkpoint, config_arg = FLAX_DATA / "params_top_level.msgpack", FLAX_DATA / "micro_config.json"
    labels = tmp_path / "labels.txt" if which == "labels" else None
    if which == "checkpoint":
        checkpoint = tmp_path / "missing_ckpt"
    elif which == "config":
        config_arg = tmp_path / "missing.py"
    elif which == "config_is_a_checkpoint":
        config_arg = checkpoint
    elif which == "config_without_model":
        config_arg = config
    typed = ["scenic", "--checkpoint", str(checkpoint), "--config", str(config_arg), "--out", str(tmp_path / "out")]
    code, err = run_cli(typed + (["--labels", str(labels)] if labels else []), capsys)
    assert code == 2 and len(err) == 1, err
    # a path not there: the flag named, as the recipes name it (it was "<path> does not exist")
    missing = {"checkpoint": (checkpoint, "file or folder"), "config": (config_arg, "file"), "labels": (labels, "file")}
    if which in missing:
        path, kind = missing[which]
        assert err[0] == f"python -m vivit_hf.convert: error: argument --{which}: {str(path)!r}: no such {kind}", err
        return
    expected = {"config_is_a_checkpoint": "neither JSON nor a .py config", "config_without_model": "lacks 'patches'"}
    assert expected[which] in err[0], err


def test_params_of_another_variant_are_named_by_the_config_field_in_one_short_line(tmp_path, capsys):
    """Model 1's params with Model 2's config: whole encoders are missing and unexpected (76 + 36 names); the line
    says which variants the tree can be and the config field that says another (it listed the subtrees)."""
    _, params, _ = scenic_case("spacetime_3dconv_token", tmp_path)
    _, _, config_file = scenic_case("factorized_encoder_3dconv_token", tmp_path)
    code, err = run_cli(
        ["scenic", "--checkpoint", str(params), "--config", str(config_file), "--out", str(tmp_path / "out")], capsys
    )
    assert code == 2 and len(err) == 1, err
    assert err[0].endswith(
        "the tree is scenic's 'spacetime' or 'factorized_dot_product_attention' model and the config's "
        "`model.attention_config.type` is 'factorized_encoder': give the config the checkpoint was trained with"
    ), err[0]


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        (lambda c: c["model"]["patches"].update(size=16), "`model.patches.size` must be (h, w, t)"),
        (lambda c: c["model"].update(attention_config="spacetime"), "`model.attention_config` must be a config"),
        (lambda c: c["model"].update(temporal_encoding_config="3d_conv"), "`model.temporal_encoding_config` must"),
        (lambda c: c["dataset_configs"].update(num_frames=None), "`dataset_configs.num_frames` must be an integer"),
    ],
    ids=["patches.size", "attention_config", "temporal_encoding_config", "num_frames"],
)
def test_a_config_field_of_the_wrong_kind_is_one_line_naming_it(tmp_path, capsys, edit, named):
    """A number where scenic reads a section or a sequence (or None for the frame count) ended the command in a
    Python traceback ("TypeError: 'int' object is not iterable"); scenic's own code fails on these too."""
    case, params, _ = scenic_case("spacetime_3dconv_token", tmp_path)
    scenic_config = json.loads((case / "config.json").read_text())["scenic_config"]
    edit(scenic_config)
    config_file = tmp_path / "other.py"
    config_file.write_text(scenic_python_config(scenic_config))
    code, err = run_cli(
        ["scenic", "--checkpoint", str(params), "--config", str(config_file), "--out", str(tmp_path / "out")], capsys
    )
    assert code == 2 and len(err) == 1 and named in err[0], err


def test_params_that_do_not_fit_are_named_by_subtree_in_one_short_line(tmp_path, capsys):
    """A tree without the config's representation layer and with a CLS token it lacks: the line names each subtree
    with its count, and a key alone under its top-level name in full."""
    case, params, _ = scenic_case("spacetime_3dconv_token", tmp_path)
    scenic_config = json.loads((case / "config.json").read_text())["scenic_config"]
    scenic_config["model"].update(classifier="gap", representation_size=24)
    config_file = tmp_path / "other.py"
    config_file.write_text(scenic_python_config(scenic_config))
    code, err = run_cli(
        ["scenic", "--checkpoint", str(params), "--config", str(config_file), "--out", str(tmp_path / "out")], capsys
    )
    assert code == 2 and len(err) == 1, err
    assert err[0].endswith("scenic parameters do not fit this model: missing pre_logits/* (2); unexpected cls"), err
    assert len(err[0]) < 500, len(err[0])


def test_command_line_prints_errors_not_tracebacks(tmp_path, monkeypatch, capsys):
    # `python -m vivit_hf.convert` run in this process (runpy, as `-m` runs it): its start in a new interpreter is
    # test_module_entry_point_converts_a_checkpoint_flax_wrote's; an exception other than its exit would be raised.
    flags = ["--checkpoint", str(FLAX_DATA / "micro_config.json"), "--config", str(FLAX_DATA / "micro_config.json")]
    monkeypatch.setattr(sys, "argv", ["vivit_hf/convert.py", "scenic", *flags, "--out", str(tmp_path / "out")])
    with warnings.catch_warnings(), pytest.raises(SystemExit) as exit:
        warnings.filterwarnings("ignore", "'vivit_hf.convert' found in sys.modules", RuntimeWarning)  # (imported here)
        runpy.run_module("vivit_hf.convert", run_name="__main__")
    stderr = capsys.readouterr().err
    assert exit.value.code == 2 and "Traceback" not in stderr, stderr
    assert stderr.startswith("python -m vivit_hf.convert: error: ") and "is not a flax/scenic" in stderr


def test_bugs_keep_their_traceback(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("vivit_hf.conversion.cli.load_scenic", broken)
    with pytest.raises(RuntimeError, match="a bug"):
        main(micro_conversion(tmp_path / "out"))


def micro_conversion(out, repo=None):
    """The CLI's arguments converting the flax micro checkpoint into `out` (and pushing it to `repo`, if given)."""
    flags = ["scenic", "--checkpoint", str(FLAX_DATA / "params_top_level.msgpack")]
    flags += ["--config", str(FLAX_DATA / "micro_config.json"), "--out", str(out)]
    return flags + (["--push_to_hub", "--hub_model_id", repo] if repo else [])


def test_failed_upload_exits_1_and_keeps_the_folder(tmp_path, capsys, monkeypatch):
    import vivit_hf.conversion.cli as cli

    def refused(folder, repo, **kwargs):
        raise OSError("403 Forbidden: no write access")

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(cli, "create_repo", lambda repo, **kwargs: repo)
    monkeypatch.setattr(cli, "push_folder", refused)
    out = tmp_path / "out"
    code, err = run_cli(micro_conversion(out, "me/vivit-micro"), capsys)
    assert code == 1 and len(err) == 1 and "me/vivit-micro" in err[0] and str(out) in err[0], err
    assert "403 Forbidden" in err[0] and (out / "model.safetensors").is_file()


@pytest.mark.parametrize("retries, uploaded", [(None, True), ("1", False)])
def test_upload_retries_as_finetune_and_the_shard_writer(tmp_path, capsys, monkeypatch, retries, uploaded):
    """The converter retried a failed upload twice where finetune.py and the shard writer retry 5 times
    (`--upload_retries`, which it did not take; nor `--push_to_hub --hub_model_id REPO` or `--hub_token`): a Hub
    refusing 3 commits in a row failed the conversion's upload. Now it takes their flags and their default."""
    import functools

    import vivit_hf.conversion.cli as cli
    from vivit_hf.hub import upload

    given = {}

    def quick_push(folder, repo, **kwargs):  # the real upload, without its seconds of back-off
        given.update(kwargs)
        return upload.push_folder(folder, repo, **{**kwargs, "retry_delay": 0.0})

    monkeypatch.setattr(cli, "push_folder", functools.partial(quick_push))
    out = tmp_path / "vivit-micro"
    flags = [*micro_conversion(out), "--push_to_hub", "--hub_token", "hf_flag"]  # the repo: --out's folder's name
    with HubStandIn(fail_commits=3) as hub:
        monkeypatch.setenv("HF_ENDPOINT", hub.endpoint)
        monkeypatch.delenv("HF_TOKEN", raising=False)
        monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)  # 127.0.0.1 only
        code, err = run_cli(flags + (["--upload_retries", retries] if retries else []), capsys)
    assert given["max_retries"] == int(retries or 5) and given["token"] == "hf_flag", given
    assert hub.failed_commits == (3 if uploaded else 2) and (code == 0) == uploaded, err  # 1 + retries tries
    assert ("model.safetensors" in hub.branches.get("standin-user/vivit-micro", {}).get("main", {})) == uploaded


def test_a_repo_that_cannot_be_made_is_said_before_converting(tmp_path, capsys, monkeypatch):
    """The repo was made after the conversion (a large scenic checkpoint: minutes), and a Hub out of reach (its
    client's ConnectError, no OSError) ended in a traceback; now it is made first, as finetune.py makes it."""
    import socket

    with socket.socket() as closed:  # a port nothing listens on: connection refused
        closed.bind(("127.0.0.1", 0))
        endpoint = f"http://127.0.0.1:{closed.getsockname()[1]}"
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setenv("HF_ENDPOINT", endpoint)
    monkeypatch.setenv("HF_TOKEN", "hf_standin")
    out = tmp_path / "out"
    code, err = run_cli(micro_conversion(out, "me/vivit-micro"), capsys)
    assert code == 1 and len(err) == 1 and "cannot create the Hub repo me/vivit-micro" in err[0], err
    assert not out.exists()


@pytest.mark.parametrize("missing", ["--checkpoint", "--config", "--labels", "--model"])
def test_an_input_not_there_is_said_before_the_hub_repo_is_made(missing, tmp_path, capsys, monkeypatch):
    """`--push_to_hub` with a `--checkpoint` typo made the Hub repo first, then found no checkpoint: an empty repo left
    on the user's account, and offline the Hub's ConnectError (exit 1) said in place of the missing file."""
    import vivit_hf.conversion.cli as cli

    made = []
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(cli, "create_repo", lambda repo, **kwargs: made.append(repo) or repo)
    gone = str(tmp_path / "not-there")
    if missing == "--model":
        flags = ["transformers", "--model", gone, "--out", str(tmp_path / "out"), "--push_to_hub"]
        flags += ["--hub_model_id", "me/vivit-micro"]
    else:
        flags = micro_conversion(tmp_path / "out", "me/vivit-micro")
        flags += [missing, gone] if missing == "--labels" else []
        flags[flags.index(missing) + 1] = gone
    code, err = run_cli(flags, capsys)
    assert code == 2 and len(err) == 1 and gone in err[0], err
    assert made == [] and not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "repo, offline, said",
    [
        ("not/a/repo id", False, "'not/a/repo id' is no Hub repo id: Repo id must be in the form"),
        # in the words of finetune.py and the shard writer (`push_repo_refusal`)
        (
            "me/vivit-micro",
            True,
            "offline mode is on (HF_HUB_OFFLINE), so nothing can be pushed: unset HF_HUB_OFFLINE and "
            "TRANSFORMERS_OFFLINE to push, or drop",
        ),
        ("bad revision", False, "argument --revision: 'v1..v2' is no branch name: git refuses '..'"),
    ],
)
def test_an_upload_that_cannot_work_is_refused_before_converting(tmp_path, capsys, monkeypatch, repo, offline, said):
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", offline)
    if repo == "bad revision":  # a branch name git refuses
        flags = [*micro_conversion(tmp_path / "out", "me/vivit-micro"), "--revision", "v1..v2"]
        code, err = run_cli(flags, capsys)
        assert code == 2 and len(err) == 1 and said in err[0] and not (tmp_path / "out").exists(), err
        return
    """`--push-to-hub` with a repo id the Hub refuses, or in offline mode, converted the whole checkpoint first (a
    large scenic one: minutes and gigabytes) and then failed; finetune.py refuses both before it starts."""
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", offline)
    out = tmp_path / "out"
    code, err = run_cli(micro_conversion(out, repo), capsys)
    said_by = "python -m vivit_hf.convert: error: argument --push_to_hub: "
    assert code == 2 and len(err) == 1 and err[0].startswith(said_by), err
    assert said in err[0], err
    assert not out.exists()


@pytest.mark.parametrize(
    "typed, said",
    [
        (["--private"], "argument --private: nothing is pushed without --push_to_hub; add it, or leave --private out"),
        (["--hub_private_repo"], "argument --hub_private_repo: nothing is pushed without --push_to_hub"),
        (["--revision", "v2"], "argument --revision: 'v2': nothing is pushed without --push_to_hub; add it, or leave"),
        (["--hub_revision", "v2"], "argument --hub_revision: 'v2': nothing is pushed without --push_to_hub"),
        (["--hub_model_id", "me/m"], "argument --hub_model_id: nothing is pushed without --push_to_hub"),
        (["--hub_token", "hf_x"], "argument --hub_token: nothing is pushed without --push_to_hub"),
        (["--upload_retries", "1"], "argument --upload_retries: nothing is pushed without --push_to_hub"),
    ],
)
def test_a_push_flag_without_push_to_hub_is_refused_before_converting(tmp_path, capsys, typed, said):
    """`--private` without `--push-to-hub` converted and exited 0, nothing uploaded, without a word (finetune.py and
    the shard writer refuse it); `--revision` without it was refused in words of the converter's own."""
    code, err = run_cli([*micro_conversion(tmp_path / "out"), *typed], capsys)
    assert code == 2 and len(err) == 1 and err[0].startswith("python -m vivit_hf.convert: error: "), err
    assert said in err[0] and not (tmp_path / "out").exists(), err


def test_an_output_folder_that_is_not_empty_is_refused_in_one_line_before_anything_is_read(tmp_path, capsys):
    # it was written over in silence: a previous conversion's card and processor replaced, its other files left
    out = tmp_path / "vivit-b-k400"
    out.mkdir()
    (out / "model.safetensors").write_bytes(b"a previous conversion")
    (out / "notes.txt").write_text("mine")
    before = {path.name: path.read_bytes() for path in out.iterdir()}
    missing = tmp_path / "not-read"  # no such checkpoint: the folder is refused first
    for flag in ("--out", "--output_dir"):
        code, err = run_cli(["transformers", "--model", str(missing), flag, str(out)], capsys)
        assert code == 2 and err == [
            f"python -m vivit_hf.convert: error: --out {out} is not empty (model.safetensors, notes.txt); give a new "
            "or empty folder, or add --overwrite_output_dir to replace the model there by the converted one (other "
            "files stay)"
        ], err
    assert {path.name: path.read_bytes() for path in out.iterdir()} == before
    (tmp_path / "a_file").write_text("")
    code, err = run_cli(["transformers", "--model", str(missing), "--out", str(tmp_path / "a_file")], capsys)
    assert code == 2 and err == [
        f"python -m vivit_hf.convert: error: --out {tmp_path / 'a_file'} is a file; give a "
        "folder (it is made if missing)"
    ], err


@pytest.mark.parametrize("flag", ["--overwrite_output_dir", "--overwrite"])
def test_overwrite_output_dir_converts_into_a_folder_that_is_not_empty(tmp_path, capsys, flag):
    case, checkpoint, config_file = flax_case(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "model.safetensors").write_bytes(b"a previous conversion")
    (out / "notes.txt").write_text("mine")
    argv = ["scenic", "--checkpoint", str(checkpoint), "--config", str(config_file), "--out", str(out), flag]
    assert main(argv) == 0
    assert (out / "notes.txt").read_text() == "mine"  # only the converted files are written
    model = AutoModelForVideoClassification.from_pretrained(out)  # the new weights, not the bytes that were there
    assert type(model).__name__ == "ViViTSpatioTemporalForVideoClassification"


def test_overwrite_output_dir_leaves_only_this_conversions_model_files(tmp_path):
    """A previous model saved sharded (shards and index), as transformers' ViViT (pytorch_model.bin) or by an older
    converter (preprocessor_config.json): `save_pretrained` over it removed the shards only, and the stale index (and
    the rest) went up to the Hub with the new model. Now the folder holds what a conversion into an empty folder
    holds, and the user's own files."""
    case, checkpoint, config_file = flax_case(tmp_path)
    fresh, out = tmp_path / "fresh", tmp_path / "out"
    argv = ["scenic", "--checkpoint", str(checkpoint), "--config", str(config_file), "--out"]
    assert main([*argv, str(fresh)]) == 0
    small = dict(hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32, image_size=32)
    ViViTSpatioTemporalModel(ViViTSpatioTemporalConfig(num_frames=4, **small)).save_pretrained(
        out, max_shard_size="20KB"
    )
    assert (out / "model.safetensors.index.json").exists()
    for stale in ("pytorch_model.bin", "preprocessor_config.json"):
        (out / stale).write_bytes(b"a previous model's")
    (out / "notes.txt").write_text("mine")
    (out / "pipeline.py").write_text("# the user's (vivit_hf has a module of that name, not copied into models)")
    assert main([*argv, str(out), "--overwrite_output_dir"]) == 0
    expected = {path.name for path in fresh.iterdir()} | {"notes.txt", "pipeline.py"}
    assert {path.name for path in out.iterdir()} == expected
    for name in ("model.safetensors", "config.json", "video_preprocessor_config.json"):
        assert (out / name).read_bytes() == (fresh / name).read_bytes(), name


@pytest.mark.parametrize(
    ("case", "patches", "said"),
    [
        (
            "spacetime_3dconv_token",
            [16, 16, 2],
            r"embeds patches of 2x8x8 \(t x h x w\) where this config gives 2x16x16",
        ),
        ("spacetime_tsampling_token", [16, 16], r"embeds patches of 8x8 \(h x w\) where this config gives 16x16"),
    ],
)
def test_a_config_of_another_patch_size_is_one_line_naming_the_field(tmp_path, capsys, case, patches, said):
    """scenic's own model refuses a tree whose embedding kernel is of another patch size than its config's (flax's
    shape check); the converter said 'gives shape (32, 3, 2, 8, 8) for vivit.token_embedding.projection.weight,
    which needs (32, 3, 2, 16, 16)', naming no field of the config to change."""
    case_folder, params, _ = scenic_case(case, tmp_path)
    scenic_config = json.loads((case_folder / "config.json").read_text())["scenic_config"]
    assert list(scenic_config["model"]["patches"]["size"]) != patches  # the tree's own patches are smaller
    scenic_config["model"]["patches"]["size"] = patches
    config_file = tmp_path / "other.py"
    config_file.write_text(scenic_python_config(scenic_config))
    code, err = run_cli(
        ["scenic", "--checkpoint", str(params), "--config", str(config_file), "--out", str(tmp_path / "out")], capsys
    )
    assert code == 2 and len(err) == 1, err
    assert re.search(rf"{said} \(`model.patches.size` \[{patches[0]}, ", err[0]), err[0]
    assert "give the config it was trained with" in err[0], err[0]


def test_an_out_folder_below_a_file_is_refused_in_one_line(tmp_path, capsys):
    """`--out notes.txt/model` (a file where a folder above --out goes) was a NotADirectoryError traceback."""
    (tmp_path / "notes.txt").write_text("mine")
    out = tmp_path / "notes.txt" / "model"
    code, err = run_cli(["transformers", "--model", str(tmp_path / "not-read"), "--out", str(out)], capsys)
    assert code == 2 and err == [
        f"python -m vivit_hf.convert: error: --out {out}: {tmp_path / 'notes.txt'} is a file, not a folder; give a "
        "folder (it is made if missing)"
    ], err


# ---------------------------------------------------------------------------------------------- class names
def test_the_help_says_every_labels_file_it_reads_and_where_the_token_comes_from(tmp_path, capsys):
    # --labels' help named a text file or a JSON list, not the id2label object the converter reads too (docs only);
    # --hub_token's said "default: HF_TOKEN", where the upload takes `hf auth login`'s token too (finetune.py's says so)
    (tmp_path / "id2label.json").write_text('{"1": "dog", "0": "cat"}')
    assert read_class_names(tmp_path / "id2label.json") == ["cat", "dog"]
    with pytest.raises(SystemExit):
        main(["scenic", "--help"])
    said = " ".join(capsys.readouterr().out.split())
    assert "a JSON object of index -> name" in said and "default: HF_TOKEN or hf auth login" in said


def test_labels_name_the_converted_classifiers_outputs(tmp_path, capsys):
    # scenic's checkpoints hold no class names: the converted model (its pipeline, its card) answered `LABEL_17`
    names = ["abseiling", "air drumming", "answering questions"]
    labels = tmp_path / "labels.txt"
    labels.write_text("\n".join(names) + "\n")
    code, err = run_cli([*micro_conversion(tmp_path / "out"), "--labels", str(labels)], capsys)
    assert code == 0, err
    model = AutoModelForVideoClassification.from_pretrained(tmp_path / "out")
    assert model.config.id2label == dict(enumerate(names)) and model.config.label2id["air drumming"] == 1
    assert "--labels labels.txt" in (tmp_path / "out" / "README.md").read_text()  # the card's command reruns it
    for form in (names, dict(enumerate(names))):  # a JSON list, or config.json's id2label object
        (tmp_path / "labels.json").write_text(json.dumps(form))
        assert read_class_names(tmp_path / "labels.json") == names


@pytest.mark.parametrize(
    "text, said",
    [
        ("cat\ndog\n", "names 2 classes, but the checkpoint's classifier has 3 outputs"),
        ("cat\n\ndog\n", "class 1 has no name"),
        ("cat\ndog\ncat\n", "classes 0 and 2 are both named 'cat'"),
    ],
)
def test_labels_that_do_not_name_each_output_once_are_one_line_and_nothing_is_written(tmp_path, capsys, text, said):
    labels = tmp_path / "labels.txt"
    labels.write_text(text)
    code, err = run_cli([*micro_conversion(tmp_path / "out"), "--labels", str(labels)], capsys)
    assert code == 2 and len(err) == 1 and said in err[0], err
    assert not (tmp_path / "out").exists()


def test_labels_written_by_windows_tools_read_without_their_byte_order_mark(tmp_path):
    # Notepad's UTF-8 starts with a byte-order mark: class 0 was named '\ufeffabseiling' (a name no data set has),
    # and a JSON file of it was refused as "Unexpected UTF-8 BOM"
    names = ["abseiling", "air drumming"]
    (tmp_path / "labels.txt").write_bytes(("\ufeff" + "\r\n".join(names) + "\r\n").encode())
    (tmp_path / "labels.JSON").write_bytes(("\ufeff" + json.dumps(names)).encode())
    assert read_class_names(tmp_path / "labels.txt") == read_class_names(tmp_path / "labels.JSON") == names


def test_labels_of_several_heads_are_each_heads_names_as_fine_tuning_names_them(tmp_path, capsys):
    # a noun and a verb of one spelling were refused as one class named twice (label2id keeps one index per name);
    # the names are `head:name`, as a model fine-tuned on Epic Kitchens names them, whether the file says so or not
    case = case_dir("scenic", "multihead_factorized_encoder_token")  # class_splits [6, 4]: noun, then verb
    (tmp_path / "config.json").write_text(json.dumps(json.loads((case / "config.json").read_text())["scenic_config"]))
    spaces = {"noun": ["tap", "pan", "filter", "lid", "bowl", "cup"], "verb": ["take", "filter", "wash", "open"]}
    given = [*spaces["noun"][:3], *(f"noun:{name}" for name in spaces["noun"][3:]), *spaces["verb"]]
    (tmp_path / "labels.txt").write_text("\n".join(given) + "\n")
    flags = ["scenic", "--checkpoint", str(case / "params.npz"), "--config", str(tmp_path / "config.json")]
    code, err = run_cli([*flags, "--out", str(tmp_path / "out"), "--labels", str(tmp_path / "labels.txt")], capsys)
    assert code == 0, err
    config = AutoConfig.from_pretrained(tmp_path / "out")
    fine_tuned = VideoClassificationData(splits={}, label_spaces=spaces)
    assert (config.id2label, config.label2id) == (fine_tuned.id2label, fine_tuned.label2id)
