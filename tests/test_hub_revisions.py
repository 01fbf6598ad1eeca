# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""A model pushed to a branch (finetune.py's `--hub_revision`, the converter's `--revision`) read back by the other
commands at that revision: evaluate.py and predict.py (`--model_revision`) and finetune.py (`--init_from_revision`)
had no way to name it, and read `main`'s model (another one, or none). Against the local Hub stand-in, whose branches
hold two different tiny models."""

import huggingface_hub
import pytest
import torch
from hub_standin import HubStandIn, read_from
from test_recipes_evaluate import evaluate_module, tiny_model  # noqa: F401 - a fixture
from test_recipes_finetune import finetune_module  # noqa: F401 - a fixture
from test_timeline_predict import load_predict

from vivit_hf.hub.upload import push_folder

REPO_ID = "me/vivit-branches"
MAIN, BRANCH = ("down", "up"), ("left", "right", "still")  # each revision's model answers its own classes


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    """The stand-in, its repo's `main` one tiny model and its branch `exp` another (other classes and weights)."""
    root = tmp_path_factory.mktemp("revisions")
    with HubStandIn() as hub, pytest.MonkeyPatch.context() as patch:
        patch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)  # only ever 127.0.0.1
        for revision, classes in ((None, MAIN), ("exp", BRANCH)):
            torch.manual_seed(len(classes))
            tiny_model(root / str(revision), classes)
            push_folder(root / str(revision), REPO_ID, endpoint=hub.endpoint, token="hf_standin", revision=revision)
        patch.undo()
        yield hub


@pytest.fixture
def online(hub, tmp_path, monkeypatch):
    """huggingface_hub (and transformers through it) reading the stand-in, into a cache of this test's own."""
    read_from(hub, monkeypatch, tmp_path / "hub-cache")
    return hub


def branch_weights(hub) -> dict:
    from safetensors.torch import load

    return load(hub.branches[REPO_ID]["exp"]["model.safetensors"])


def test_evaluate_loads_a_hub_model_and_its_processor_at_model_revision(evaluate_module, online, tmp_path):  # noqa: F811
    args = evaluate_module.parse_args(["--model", REPO_ID, "--model_revision", "exp", "--output_dir", str(tmp_path)])
    model = evaluate_module.load_model(args)
    assert tuple(model.config.id2label.values()) == BRANCH
    main = evaluate_module.load_model(evaluate_module.parse_args(["--model", REPO_ID]))  # what it read without one
    assert tuple(main.config.id2label.values()) == MAIN
    torch.testing.assert_close(model.state_dict(), branch_weights(online), rtol=0, atol=0)
    # the default output folder is the revision's own: main's evaluation and the branch's replaced each other
    from vivit_hf.training.evaluation import default_output_dir

    args.output_dir = None
    assert default_output_dir(args, "test").parts[0] == "me--vivit-branches@exp"


def test_predict_loads_a_hub_model_and_its_processor_at_model_revision(online, tmp_path):
    predict = load_predict()
    args = predict.parse_args(["--model", REPO_ID, "--model_revision", "exp", "--videos", str(tmp_path)])
    classifier = predict.load_classifier(args.model, "cpu", args.model_revision)
    assert tuple(classifier.model.config.id2label.values()) == BRANCH
    torch.testing.assert_close(classifier.model.state_dict(), branch_weights(online), rtol=0, atol=0)
    assert ("GET", f"/{REPO_ID}/resolve/exp/video_preprocessor_config.json") in online.requests


def test_finetune_starts_from_a_hub_checkpoint_at_init_from_revision(finetune_module, online):  # noqa: F811
    from vivit_hf.training.data.formats import VideoClassificationData

    args = finetune_module.parse_args(
        ["--dataset", "org/data", "--init_from", REPO_ID, "--init_from_revision", "exp", "--crop_size", "16"]
        + ["--num_frames", "4"],
        check_paths=False,
    )
    data = VideoClassificationData(splits={}, label_spaces={"label": list(BRANCH)})
    model, processor = finetune_module.build_model(args, data)
    weights = branch_weights(online)
    # every weight is the branch's, its classifier kept by class name (main's has 2 rows: it started fresh)
    torch.testing.assert_close(model.state_dict(), weights, rtol=0, atol=0)
    assert processor is not None and processor.num_frames == 4


@pytest.mark.parametrize(
    "flags, said",
    [
        (["--model_revision", "exp..main"], "argument --model_revision: 'exp..main' is no branch, tag or commit name"),
        (["--model_revision", "exp"], "--model is a local folder or file, which has no revision"),
    ],
)
def test_a_model_revision_that_cannot_be_read_is_refused_before_anything_loads(
    evaluate_module,  # noqa: F811
    flags,
    said,
    tmp_path,
    capsys,
):
    local = ["--model", str(tmp_path)] if "exp" == flags[1] else ["--model", REPO_ID]
    with pytest.raises(SystemExit) as exit_:
        evaluate_module.parse_args([*local, *flags])
    assert exit_.value.code == 2
    assert said.replace("--model is", f"--model {tmp_path} is") in capsys.readouterr().err
    predict = load_predict()
    args = predict.parse_args([*local, *flags, "--videos", str(tmp_path)])
    with pytest.raises(SystemExit):
        predict.check_model(args.model, args.model_revision)
    assert said.replace("--model is", f"--model {tmp_path} is") in capsys.readouterr().err


def test_an_init_from_revision_that_cannot_be_read_is_refused_before_anything_loads(finetune_module, capsys):  # noqa: F811
    commit = "0123456789abcdef0123456789abcdef01234567"  # a commit is read, though no branch to push to
    args = finetune_module.parse_args(["--init_from", REPO_ID, "--init_from_revision", commit], check_paths=True)
    assert args.init_from_revision == commit
    for typed, said in (
        (["--init_from", REPO_ID, "--init_from_revision", "a b"], "'a b' is no branch, tag or commit name"),
        (["--init_from_revision", "exp"], "--init_from_revision: it names the revision of --init_from"),
    ):
        with pytest.raises(SystemExit) as exit_:
            finetune_module.parse_args(typed, check_paths=True)
        assert exit_.value.code == 2
        assert said in capsys.readouterr().err


def test_evaluate_fetches_a_hub_models_config_once_and_names_an_id_the_hub_lacks(evaluate_module, online, capsys):  # noqa: F811
    """check_model_fetched (asked before evaluate.py makes the default results folder, whose path a bare name is)
    online: a repo there is fetched once, its config.json read again from the cache when the model loads; a name no
    repo has (mistyped), or a revision the repo lacks, is one line naming it (huggingface_hub's 404s, as
    transformers words them), not the folder made for the results."""
    args = evaluate_module.parse_args(["--model", REPO_ID, "--model_revision", "exp"])
    earlier = len(online.requests)  # (the stand-in is the module's; this test's cache is its own)
    evaluate_module.check_model_fetched(args)
    evaluate_module.load_model(args)
    asked = online.requests[earlier:]
    assert asked.count(("GET", f"/{REPO_ID}/resolve/exp/config.json")) == 1, asked
    for model, revision, why in (
        ("me/my_modle", None, "no Hub repo of that name"),  # (the stand-in serves owner/name ids alone)
        (REPO_ID, "nosuch", "the Hub repo has no such revision"),
    ):
        args = evaluate_module.parse_args(["--model", model, *(["--model_revision", revision] if revision else [])])
        with pytest.raises(SystemExit) as refused:
            evaluate_module.check_model_fetched(args)
        said = capsys.readouterr().err.strip().splitlines()[-1]
        assert refused.value.code == 2 and said.startswith(f"error: --model {model}: no such local folder; "), said
        assert why in said, said
