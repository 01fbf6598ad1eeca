# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Export: `torch.export` with dynamic batch (and frames / size through `interpolate_pos_encoding`), ONNX through the
dynamo exporter checked with onnxruntime, and `python -m vivit_hf.export`, for all four variants."""

import contextlib
import io
import os
import subprocess
import sys
import warnings
from pathlib import Path

import fresh_python
import pytest
import torch
from run_once import run_once
from test_models import VARIANTS, clip, tiny
from transformers import AutoModelForVideoClassification

from vivit_hf.export import (
    ExportableViViT,
    check_onnx,
    example_inputs,
    export_onnx,
    export_program,
    main,
)

# Model 2 with one spatial block and one temporal block (its defaults: TINY's 2 and 4), for a test whose claim is not
# the blocks' stacking: an export traces every block again, and 1 + 1 exports every operation.
ONE_BLOCK_EACH = {"num_hidden_layers": 1, "num_temporal_layers": 1}


def stacked(name):
    """`tiny(name)`, two blocks an encoder: Model 2's temporal encoder has 4 by default (TINY sets the spatial 2), and
    two show the stacking as well as four, and each export traces two blocks fewer (its four tests here: 41 s -> 29 s
    on a loaded machine)."""
    return tiny(name, **({"num_temporal_layers": 2} if name == "factorised_encoder" else {}))


def eager(model, *inputs, interpolate=False, features=False):
    with torch.no_grad():
        return ExportableViViT(model, interpolate, features)(*inputs)


@pytest.mark.parametrize("name", VARIANTS)
def test_torch_export_with_dynamic_batch_and_a_frame_mask(name):
    model = stacked(name)
    program = export_program(model, attention_mask=True).module()  # (once: each .module() unlifts the graph again)
    mask = torch.tensor([[1, 1, 1, 1], [1, 1, 0, 0], [1, 1, 1, 0]])
    for inputs in ((clip(batch=3), mask), (clip(batch=1), torch.ones(1, 4, dtype=torch.long))):
        torch.testing.assert_close(program(*inputs), eager(model, *inputs), rtol=0, atol=1e-5)


@pytest.mark.parametrize("name", VARIANTS)
def test_torch_export_with_dynamic_frames_and_size(name):
    model = stacked(name)
    program = export_program(model, dynamic_size=True).module()
    for video in (clip(batch=3, frames=8, size=48), torch.randn(1, 6, 3, 24, 40), clip(batch=2)):  # last: trained size
        torch.testing.assert_close(program(video), eager(model, video, interpolate=True), rtol=0, atol=1e-5)
    # Frames and pixels that fill no tubelet are dropped, as eager drops them (VALID padding): a 37 x 41 clip (a
    # processor resizing the shortest edge without a crop) was refused by the program's guard, "Guard failed:
    # pixel_values.size()[4] == torch.sym_min(pixel_values.size()[4], 8 * (pixel_values.size()[4] // 8))"
    for video in (torch.randn(1, 7, 3, 37, 41), torch.randn(2, 5, 3, 30, 30)):
        torch.testing.assert_close(program(video), eager(model, video, interpolate=True), rtol=0, atol=1e-5)


@pytest.mark.parametrize("name", VARIANTS)
def test_torch_export_with_dynamic_size_and_a_mask_takes_one_clip(name):
    """The batch is dynamic from 1: Models 3 and 4 exported with a mask and a dynamic size refused one clip
    ("Guard failed: attention_mask.size()[0] * (pixel_values.size()[4] // 8) * ... != ..."), traced at 2."""
    model = stacked(name)
    program = export_program(model, dynamic_size=True, attention_mask=True).module()
    for video, mask in ((clip(batch=1), torch.tensor([[1, 1, 1, 0]])), (clip(batch=3, frames=6, size=48), None)):
        mask = torch.tensor([[1] * 6, [1] * 4 + [0] * 2, [1] * 2 + [0] * 4]) if mask is None else mask
        torch.testing.assert_close(program(video, mask), eager(model, video, mask, interpolate=True), rtol=0, atol=1e-5)


def test_a_model_one_token_deep_along_an_axis_exports_a_dynamic_size_that_takes_its_own():
    """A dynamic axis takes two tokens or more (torch.export specialises 0 and 1), so a model one temporal token deep
    (num_frames == the tubelet's 2) refused its own size: "Guard failed: pixel_values.size()[1] >= 4", which named
    no reason (each of the four; Models 3 and 4 checked by hand, the next test runs Model 2). That axis keeps the
    trained size; the others stay dynamic."""
    model = tiny("spatio_temporal", num_frames=2)
    program = export_program(model, dynamic_size=True, attention_mask=True).module()
    for video in (clip(batch=1, frames=2), clip(batch=3, frames=2, size=48)):  # its own size, then another
        mask = torch.ones(video.shape[:2], dtype=torch.long)
        torch.testing.assert_close(program(video, mask), eager(model, video, mask, interpolate=True), rtol=0, atol=1e-5)


@pytest.fixture(scope="module")
def program_of_a_model_one_token_deep(tmp_path_factory):
    """`python -m vivit_hf.export model exports/model.pt2 --dynamic_size` of Model 2 one token deep along frames
    (num_frames 2, the tubelet's), one block of each encoder (the claims are the command's, not the stacking), with no
    `exports/` yet: made once a session (`run_once`) for the two tests of the command below, which exported one each
    (a model loaded, traced and saved: 2-3 s of CPU). `(what the command printed, the folder holding model/ and
    exports/, the program read back)."""

    def make(folder):
        tiny("factorised_encoder", num_frames=2, **ONE_BLOCK_EACH).save_pretrained(folder / "model")
        with contextlib.redirect_stdout(io.StringIO()) as said:
            assert main([str(folder / "model"), str(folder / "exports" / "model.pt2"), "--dynamic_size"]) == 0
        return said.getvalue()

    said, folder = run_once(tmp_path_factory, "program_of_a_model_one_token_deep", make)
    return said, folder, torch.export.load(folder / "exports" / "model.pt2").module()  # (read back once: 1-2 s)


def test_a_model_one_token_deep_along_an_axis_says_which_in_the_export_command(program_of_a_model_one_token_deep):
    """The command says which axis keeps its size and why. (In onnxruntime Model 2's dynamic graph of such a model
    failed at its own size, "GatherND ... invalid index found, index = -9223372036854775807"; the ONNX graph is traced
    with the shapes `export_program` is, checked by hand: 3.7e-8 from eager. Not here: an ONNX export costs 15 s.)"""
    said, folder, program = program_of_a_model_one_token_deep
    assert "one token deep along frames (2, tubelet 2): a dynamic axis takes two tokens or more" in said, said
    model = AutoModelForVideoClassification.from_pretrained(folder / "model")
    video = clip(batch=1, frames=2)  # its own size
    torch.testing.assert_close(program(video), eager(model, video, interpolate=True), rtol=0, atol=1e-5)


def test_export_traces_in_eval_mode_and_gives_each_module_its_mode_back():
    """Exporting mid-training (a callback exporting each checkpoint) left the model in eval mode: training went on
    without dropout or stochastic depth, without a word. The graph is still the eval forward's."""
    model = tiny("spatio_temporal", hidden_dropout_prob=0.5, drop_path_rate=0.5).train()
    model.vivit.token_embedding.eval()  # a frozen stem kept in eval keeps its own mode too
    modes = {name: module.training for name, module in model.named_modules()}
    program = export_program(model).module()
    assert {name: module.training for name, module in model.named_modules()} == modes
    video = clip(batch=2)
    torch.testing.assert_close(program(video), eager(model, video), rtol=0, atol=1e-5)


def test_uniform_frame_sampling_exports_a_dynamic_size_at_its_frame_count():
    """Frame sampling picks its frames in Python from the frame count (scenic's float32 rule), which no graph follows:
    `dynamic_size` keeps the trained count and makes height and width dynamic (it failed to export, or pinned the
    trace's count); other batches and sizes equal the eager model with resized positions."""
    model = tiny("spatio_temporal", embedding_type="frame_sampling", num_frames=6, num_sampled_frames=3)
    program = export_program(model, dynamic_size=True).module()
    for video in (torch.randn(3, 6, 3, 40, 24), torch.randn(1, 6, 3, 32, 32)):
        want = eager(model, video, interpolate=True)
        torch.testing.assert_close(program(video), want, rtol=0, atol=1e-5)
    with pytest.raises(Exception, match="pixel_values"):  # another frame count is refused by the program's guard
        program(torch.randn(2, 8, 3, 32, 32))


def test_uniform_frame_sampling_with_a_mask_input_is_refused_saying_to_export_without_it(tmp_path, capsys):
    """Uniform frame sampling takes no padding, and a traced mask cannot be read: `--attention_mask` failed in a
    traceback about "padded frames", which the user never gave. Refused by name, the CLI in one line (exit 2)."""
    model = tiny("spatio_temporal", embedding_type="frame_sampling", num_frames=6, num_sampled_frames=3)
    for export in (export_program, lambda model, **kwargs: export_onnx(model, tmp_path / "m.onnx", **kwargs)):
        with pytest.raises(ValueError, match="takes no attention_mask.*frame_sampling.*without --attention_mask"):
            export(model, attention_mask=True)
    model.save_pretrained(tmp_path / "model")
    assert main([str(tmp_path / "model"), str(tmp_path / "model.pt2"), "--attention_mask"]) == 2
    (error,) = [line for line in capsys.readouterr().err.splitlines() if "error:" in line]  # (beside progress bars)
    assert "takes no attention_mask" in error and "without --attention_mask" in error
    assert not (tmp_path / "model.pt2").exists() and not (tmp_path / "m.onnx").exists()


@pytest.mark.parametrize("name", VARIANTS)
def test_torch_export_of_features(name):
    model = stacked(name).vivit
    program = export_program(model, features=True)
    torch.testing.assert_close(program.module()(clip(batch=3)), eager(model, clip(batch=3), features=True))


def needs_onnx_tools():
    pytest.importorskip("onnxscript", reason="the dynamo ONNX exporter needs onnxscript (the `test` extra has it)")
    pytest.importorskip("onnxruntime", reason="the check runs the graph in onnxruntime (the `test` extra has it)")


def test_export_onnx_without_onnxscript_says_what_to_install_as_the_command_does(tmp_path, monkeypatch, capsys):
    """Without onnxscript, `export_onnx` raised torch's "No module named 'onnxscript'", naming nothing to install (or,
    in a process whose exporter had loaded before, went on); the command said what to install. Both say it now."""
    model = tiny("factorised_encoder", **ONE_BLOCK_EACH)
    model.save_pretrained(tmp_path / "model")
    monkeypatch.setitem(sys.modules, "onnxscript", None)  # `import onnxscript` raises ImportError, as when absent
    with pytest.raises(ImportError, match=r"writing model\.onnx \(ONNX\) needs onnxscript.*pip install onnxscript"):
        export_onnx(model, tmp_path / "model.onnx")
    assert main([str(tmp_path / "model"), str(tmp_path / "cli.onnx")]) == 2
    said = capsys.readouterr().err
    assert "writing cli.onnx (ONNX) needs onnxscript" in said and "pip install onnxscript onnxruntime" in said
    assert not (tmp_path / "model.onnx").exists() and not (tmp_path / "cli.onnx").exists()


@pytest.fixture(scope="module")
def float32_graph_of_a_bfloat16_checkpoint(tmp_path_factory):
    """`python -m vivit_hf.export model st.onnx --dtype float32 --dynamic_size --attention_mask` of a bfloat16 folder
    of Model 1, one block deep, made once a session (`run_once`): the float32 graph of a bfloat16 checkpoint is
    test_a_bfloat16_checkpoint_exports_to_onnx_in_its_dtype_or_in_float32's claim, and Model 1's graph checked against
    eager test_onnx_export_matches_eager_in_onnxruntime[spatio_temporal]'s; each exported its own (an ONNX export: 5 s
    of CPU). `(what the command printed, the warnings it raised, the folder holding model/ and st.onnx)`."""
    needs_onnx_tools()

    def make(folder):
        tiny("spatio_temporal", num_hidden_layers=1).to(torch.bfloat16).save_pretrained(folder / "model")
        flags = ["--dtype", "float32", "--dynamic_size", "--attention_mask"]
        with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(io.StringIO()) as said:
            warnings.simplefilter("always")
            assert main([str(folder / "model"), str(folder / "st.onnx"), *flags]) == 0
        return said.getvalue(), [str(warning.message) for warning in caught]

    (said, warned), folder = run_once(tmp_path_factory, "float32_graph_of_a_bfloat16_checkpoint", make)
    return said, warned, folder


def upcast_checkpoint(folder: Path):
    """The checkpoint's bfloat16 weights, exactly, computed in float32."""
    model = AutoModelForVideoClassification.from_pretrained(folder / "model")
    assert model.dtype == torch.bfloat16, model.dtype
    return model.float()


@pytest.mark.parametrize("name", VARIANTS)
def test_onnx_export_matches_eager_in_onnxruntime(name, tmp_path, capsys, request):
    needs_onnx_tools()
    # One block of each encoder: every block runs the same code, which the export traced again for each (Model 2's
    # default 4 temporal blocks and 2 spatial ones); one of each exports every operation. The blocks' stacking is
    # exported by test_torch_export_of_features and the other torch.export tests at TINY's two.
    model = tiny(name, **(ONE_BLOCK_EACH if name == "factorised_encoder" else {"num_hidden_layers": 1}))
    path = tmp_path / f"{name}.onnx"
    if name == "spatio_temporal":
        # Model 1's graph is the command's float32 graph of a bfloat16 checkpoint (the bfloat16 test's too): checked
        # here against its weights computed in float32, as every variant against its own
        said, warned, folder = request.getfixturevalue("float32_graph_of_a_bfloat16_checkpoint")
        model, path = upcast_checkpoint(folder), folder / "st.onnx"
        assert "max abs difference" in said, said
    elif name == "factorised_encoder":
        # One variant goes through the command (`python -m vivit_hf.export`), which writes the file from the saved
        # folder and checks it itself: an ONNX export costs 20 s here, and the command's needs no run of its own.
        model.save_pretrained(tmp_path / "model")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert main([str(tmp_path / "model"), str(path), "--dynamic_size", "--attention_mask"]) == 0
        assert "max abs difference" in capsys.readouterr().out
        warned = [str(warning.message) for warning in caught]
    else:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            export_onnx(model, path, dynamic_size=True, attention_mask=True)
        warned = [str(warning.message) for warning in caught]
    # the model is exported in eval mode, and torch is not told otherwise (it warned of training mode); the mask's
    # batch axis, the pixels' own, draws no warning that the name `batch` "will not be used" (the graph names it so)
    assert not [message for message in warned if "training mode" in message or "not be used" in message]
    onnx = pytest.importorskip("onnx")
    graph = onnx.load(str(path), load_external_data=False).graph
    assert [value.type.tensor_type.shape.dim[0].dim_param for value in [*graph.input, *graph.output]] == ["batch"] * 3
    inputs = example_inputs(model, dynamic_size=True, attention_mask=True, batch=3)
    assert check_onnx(model, path, inputs) < 1e-5
    # checked mid-training, the model keeps its mode (it was left in eval: training went on without dropout)
    model.train()
    assert check_onnx(model, path, inputs) < 1e-5 and all(module.training for module in model.modules())
    model.eval()
    other = (clip(batch=1, frames=8, size=40), torch.tensor([[1, 1, 1, 1, 1, 0, 0, 0]]))
    assert check_onnx(model, path, other) < 1e-5


def test_export_command_writes_a_program_into_a_folder_it_makes(program_of_a_model_one_token_deep):
    """`exports/model.pt2` with no `exports/` yet was torch's "Parent directory exports does not exist" traceback,
    after the model had been exported. The program written takes another size (`--dynamic_size`: height and width;
    its frames keep their one token, the test above). One export for both claims, which took one each (4 s of CI's
    run), and the one-token note's test's too. (Its ONNX file: test_onnx_export_matches_eager_in_onnxruntime
    [factorised_encoder].) One block of each encoder (ONE_BLOCK_EACH): the folder and the size are the claims, not
    the stacking, and Model 2's 2 + 4 blocks took 5.9 s of CI's run."""
    _, _, program = program_of_a_model_one_token_deep  # read from exports/model.pt2, a folder the command made
    assert program(clip(batch=1, frames=2, size=40)).shape == (1, 5)


@pytest.mark.parametrize("name", ["model.txt", "model"])
def test_an_output_that_is_neither_onnx_nor_pt2_is_refused(tmp_path, capsys, name):
    """`model.txt` was written as an ONNX file (any name but .pt2 was)."""
    with pytest.raises(SystemExit) as stopped:
        main([str(tmp_path / "nothing"), str(tmp_path / name)])
    assert stopped.value.code == 2
    assert ".onnx (ONNX) or .pt2" in capsys.readouterr().err
    assert not (tmp_path / name).exists()


def test_export_of_transformers_own_vivit_is_refused_naming_the_conversion(tmp_path, capsys):
    """transformers' ViViT loads (as `VivitForVideoClassification`) and then failed in a traceback, "'VivitConfig'
    object has no attribute 'image_size_hw'"."""
    from transformers import VivitConfig, VivitForVideoClassification

    config = VivitConfig(num_frames=4, image_size=32, hidden_size=32, num_hidden_layers=1, num_attention_heads=2)
    VivitForVideoClassification(config).save_pretrained(tmp_path / "vivit")
    assert main([str(tmp_path / "vivit"), str(tmp_path / "exports" / "model.pt2")]) == 2
    error = capsys.readouterr().err
    assert "VivitForVideoClassification (model_type 'vivit')" in error
    assert f"python -m vivit_hf.convert transformers --model {tmp_path / 'vivit'} --out FOLDER" in error
    assert not (tmp_path / "exports").exists()


# printed as the command exits: whether it imported onnxscript (and onnx with it)
IMPORTED = "import atexit, sys; atexit.register(lambda: print('onnxscript imported:', 'onnxscript' in sys.modules)); "


def _run_export(*args: str) -> subprocess.CompletedProcess:
    """`python -m vivit_hf.export ARGS` as a user runs it; its stdout ends saying whether it imported onnxscript."""
    run = "runpy.run_module('vivit_hf.export', run_name='__main__')"
    code = f"{IMPORTED}import runpy, sys; sys.argv = ['vivit_hf.export', *{list(args)!r}]; {run}"
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    return fresh_python.server(fresh_python.EXAMPLES, env).run(["-c", code], cwd=Path.cwd(), timeout=300)


@pytest.mark.parametrize("what", ["empty_folder", "folder_without_model_type", "missing_hub_id"])
def test_export_of_something_that_is_not_a_model_is_one_line_exit_2(tmp_path, capfd, what):
    """In this process (`main`): the command's own start, `python -m vivit_hf.export`, is
    test_export_says_why_a_missing_model_did_not_load's (a forked interpreter each, ~1 s of CPU). What a library
    logs is read at the file descriptor (`capfd`), where a handler holding the original stderr writes."""
    source = tmp_path / "not-a-model"
    if what != "missing_hub_id":
        source.mkdir()
    if what == "folder_without_model_type":
        (source / "config.json").write_text('{"hidden_size": 8}')
    if what == "missing_hub_id":
        source = "nobody-here/no-such-model"
    try:
        status = main([str(source), str(tmp_path / "out.pt2")])
    except SystemExit as stopped:  # argparse's refusal
        status = stopped.code
    stderr = capfd.readouterr().err
    assert status == 2, stderr
    assert "Traceback" not in stderr
    last = stderr.strip().splitlines()[-1]
    if what == "empty_folder":  # as the recipes say it (it was transformers' "Should have a `model_type` key in its
        # config.json", of a folder with none)
        said = f"argument model: {str(source)!r}: no config.json in it (give the folder a model was saved to)"
        assert last == f"python -m vivit_hf.export: error: {said}", last
    else:
        assert last.startswith(f"python -m vivit_hf.export: error: {source} is not a model folder or Hub id"), last
    assert not (tmp_path / "out.pt2").exists()


@pytest.mark.parametrize(
    "source, why",
    [
        ("path/to/model", "no such folder"),  # the docs' placeholder, as a user first types it
        ("./my-run", "no such folder"),
        # a weights file is no Hub id (`vivit_hf.repo_id`, the other commands' rule): it was "read as a Hub id"
        ("model.safetensors", "no such folder"),
        (
            "nobody-here/no-such-model",
            "(HF_HUB_OFFLINE) and it is not in the local cache: unset HF_HUB_OFFLINE and TRANSFORMERS_OFFLINE to "
            "download it",
        ),
        ("{tmp}/my-rnu", "no such folder; a folder here has a near name: {tmp}/my-run"),
    ],
)
def test_export_says_why_a_missing_model_did_not_load(tmp_path, source, why):
    """`path/to/model` was refused with transformers' "Repo id must be in the form 'repo_name' or
    'namespace/repo_name'", and a Hub id offline with "couldn't connect to 'https://huggingface.co'": the reason is
    now the one the converters and recipes give; a path that is not here in the recipes' words (it said "is not a
    model folder or Hub id that loads: no such folder (and not spelt as a Hub id, owner/name)"). Refused before
    onnxscript is imported for the .onnx file (with onnx: seconds paid for a one-line refusal). A typo of a folder
    beside it names that folder."""
    (tmp_path / "my-run").mkdir()
    (tmp_path / "my-run" / "config.json").write_text("{}")
    source, why = source.format(tmp=tmp_path), why.format(tmp=tmp_path)
    result = _run_export(source, str(tmp_path / "out.onnx"))
    assert result.returncode == 2, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    if why.startswith("no such folder"):  # evaluate.py's `--model` refusal, the flag named as argparse names one
        near = why.removeprefix("no such folder")  # (a positional)
        said = f"argument model: {source!r}: no such folder (a Hub model id reads 'org/name'){near}"
        assert last == f"python -m vivit_hf.export: error: {said}", last
    else:
        assert last.startswith(f"python -m vivit_hf.export: error: {source} is not a model folder or Hub id"), last
        assert why in last, last
    assert "Repo id must be" not in last and "couldn't connect" not in last, last
    assert result.stdout.splitlines()[-1] == "onnxscript imported: False", result.stdout


def test_export_of_a_model_typed_with_a_tilde_the_shell_left_says_so(tmp_path, capsys, monkeypatch):
    """`"~/run"` quoted (or `model=~/run` in a script): the `~` is no folder here; it was taken as there (expanded)
    and then refused in transformers' words, where the recipes say that the `~` was not expanded and what to give."""
    monkeypatch.setenv("HOME", str(tmp_path))
    tiny("factorised_encoder").config.save_pretrained(tmp_path / "run")
    assert main(["~/run", str(tmp_path / "out.pt2")]) == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    # a positional's advice, not a flag's: it said "`model ~/x`, not `model=~/x`", neither of which export reads
    said = (
        "argument model: '~/run': no such folder: the `~` is not expanded here (a shell expands it only unquoted, at "
        f'the start of a word: `~/x`, not `"~/x"`); give {str(tmp_path / "run")!r}'
    )
    assert last == f"python -m vivit_hf.export: error: {said}" and not (tmp_path / "out.pt2").exists()


def test_export_reads_a_model_typed_with_a_tilde_as_typed_where_a_folder_named_tilde_holds_it(
    tmp_path, capsys, monkeypatch
):
    """`~/run` where `./~/run` holds a model and `$HOME/run` nothing: from_pretrained reads `./~/run` (it expands no
    `~`) and the recipes' check lets it through; the export said "no such folder (and not spelt as a Hub id)", having
    expanded the `~` itself. Its config alone is saved: what is said is why the model did not load, from_pretrained's
    words, not that the folder is missing."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    tiny("factorised_encoder").config.save_pretrained(tmp_path / "~" / "run")
    assert main(["~/run", str(tmp_path / "out.pt2")]) == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.startswith("python -m vivit_hf.export: error: ~/run is not a model folder or Hub id that loads: "), last
    assert "no such folder" not in last, last


def test_export_of_a_stopped_runs_folder_or_checkpoint_says_it_holds_no_model_yet(tmp_path, capsys):
    """A fine-tuning run stopped before its end (Ctrl-C) has written no config.json: its folder, and a checkpoint in
    it, were refused as "Unrecognized model in <folder>" (transformers' words for a folder without config.json); now
    as the recipes refuse them (`vivit_hf.run_folder.no_model_yet`), saying how to finish the run."""
    run = tmp_path / "run"
    (run / "checkpoints" / "step_4").mkdir(parents=True)
    (run / "checkpoints" / "step_4" / "trainer_state.json").write_text('{"completed_steps": 4}')
    for source, what, then in (
        (run, "a fine-tuning run's folder that holds no model yet", "--resume_from_checkpoint latest"),
        (run / "checkpoints" / "step_4", "a training checkpoint", "its run writes the model into its --output_dir"),
    ):
        assert main([str(source), str(tmp_path / "out.pt2")]) == 2
        last = capsys.readouterr().err.strip().splitlines()[-1]
        assert last.startswith(f"python -m vivit_hf.export: error: argument model: {str(source)!r}: {what}"), last
        assert then in last, last
    assert not (tmp_path / "out.pt2").exists()


def test_onnx_export_without_onnxscript_says_what_to_install(tmp_path, capfd, monkeypatch):
    """In this process, onnxscript's import failing as where it is not installed (a forked interpreter cost ~1 s of
    CPU; the command's start is test_export_says_why_a_missing_model_did_not_load's)."""
    tiny("factorised_encoder").save_pretrained(tmp_path / "model")
    monkeypatch.setitem(sys.modules, "onnxscript", None)  # `import onnxscript` raises ImportError
    assert main([str(tmp_path / "model"), str(tmp_path / "model.onnx")]) == 2
    stderr = capfd.readouterr().err
    assert "Traceback" not in stderr
    last = stderr.strip().splitlines()[-1]
    assert last.startswith("python -m vivit_hf.export: error: ") and "pip install onnxscript" in last, last
    assert not (tmp_path / "model.onnx").exists()


def test_a_bfloat16_checkpoint_exports_to_onnx_in_its_dtype_or_in_float32(tmp_path, capsys, request):
    """A bfloat16 folder's ONNX file was written, then its check failed in a traceback: onnxruntime's CPU provider has
    no bfloat16 Gemm. The command says the file is unchecked and why, and `--dtype float32` writes a graph of the
    same weights in float32 that onnxruntime runs and the command checks."""
    needs_onnx_tools()
    # The dtype handling (load_model, onnxruntime_cannot_run) is the same for every variant: the one whose graph
    # exports fastest, one layer deep (factorised_dot_product's took 61 s of CI's budget). The float32 graph (`--dtype
    # float32`, with a dynamic size and a mask) is the one that test_onnx_export_matches_eager_in_onnxruntime
    # [spatio_temporal] checks too: exported once for both.
    said, _, folder = request.getfixturevalue("float32_graph_of_a_bfloat16_checkpoint")
    assert "max abs difference" in said, said
    upcast = upcast_checkpoint(folder)
    assert check_onnx(upcast, folder / "st.onnx", (clip(batch=3), torch.ones(3, 4, dtype=torch.long))) < 1e-5
    assert main([str(folder / "model"), str(tmp_path / "bf16.onnx")]) == 0
    said = capsys.readouterr().out
    assert "(bfloat16 weights)" in said and "not checked" in said and "--dtype float32" in said, said
    assert (tmp_path / "bf16.onnx").exists()


def test_a_float16_graph_as_close_as_its_dtype_allows_passes_the_check(tmp_path, capsys):
    """`--dtype float16 --features`: pooled features near 3 have float16 ulps of 2e-3, so a sound graph differed from
    the eager float16 model by more than the fixed 1e-3 and the command exited 1. The bound is now twice what float16
    costs the eager model against the same weights in float32; the graph is checked here to be no farther from
    float32 than the eager float16 model is (so it is sound), and a float32 graph keeps 1e-3."""
    needs_onnx_tools()
    model = tiny("spatio_temporal", num_hidden_layers=4)
    model.save_pretrained(tmp_path / "model")
    torch.manual_seed(0)  # the command's inputs (`example_inputs`), drawn again below
    assert main([str(tmp_path / "model"), str(tmp_path / "fp16.onnx"), "--dtype", "float16", "--features"]) == 0
    said = capsys.readouterr().out
    assert "(float16 weights, whose rounding costs" in said, said
    half = tiny("spatio_temporal", num_hidden_layers=4).half()
    torch.manual_seed(0)
    inputs = example_inputs(half, False, False, batch=3)
    graph_to_float32 = check_onnx(model, tmp_path / "fp16.onnx", inputs, features=True)
    half_to_float32 = (eager(half, *inputs, features=True).float() - eager(model, *inputs, features=True)).abs().max()
    assert check_onnx(half, tmp_path / "fp16.onnx", inputs, features=True) > 1e-3  # what the old bound refused
    assert graph_to_float32 <= half_to_float32


@pytest.mark.parametrize("where", ["below a file", "a folder"])
def test_an_output_that_cannot_be_a_file_is_refused_before_the_model_loads(tmp_path, capsys, where):
    """An output below a file (`notes.txt/model.pt2`) was a FileExistsError traceback once the model had loaded; a
    folder named `model.pt2`, torch's error after the whole export."""
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "model.pt2").mkdir()
    output = tmp_path / "notes.txt" / "model.pt2" if where == "below a file" else tmp_path / "model.pt2"
    with pytest.raises(SystemExit) as stopped:
        main([str(tmp_path / "no model here"), str(output)])  # refused first: the model is not read
    said = capsys.readouterr().err.strip().splitlines()[-1]
    assert stopped.value.code == 2 and str(output) in said, said
    assert said.endswith(
        f"{tmp_path / 'notes.txt'} is a file, not a folder"
        if where == "below a file"
        else "folder; give the file to write (model.onnx, model.pt2)"
    ), said
