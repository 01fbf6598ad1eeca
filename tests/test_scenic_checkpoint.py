# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The flax checkpoint reader against bytes written by flax itself (tests/data/flax, made by the script there)."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import case_dir

from vivit_hf.conversion.scenic_checkpoint import ScenicCheckpointError, read_scenic_checkpoint
from vivit_hf.convert import load_scenic

DATA = Path(__file__).resolve().parent / "data" / "flax"
MICRO_CONFIG = json.loads((DATA / "micro_config.json").read_text())
# Every file flax wrote, each with `<file>.npz`: what flax's own msgpack_restore reads from it.
WRITTEN_BY_FLAX = sorted(
    str(p.relative_to(DATA))[: -len(".npz")] for p in DATA.rglob("*.npz") if p.name != "micro_params.npz"
)


def expected(name):
    with np.load(DATA / f"{name}.npz", allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files}
    return json.loads(str(arrays.pop("__structure__"))), arrays


def kinds_and_leaves(tree, prefix=""):
    """(the tree with each leaf replaced by its kind, as the generator wrote it; flat '/'-joined leaves)."""
    if isinstance(tree, dict):
        kinds, leaves = {}, {}
        for key, value in tree.items():
            kinds[key], inner = kinds_and_leaves(value, f"{prefix}{key}/")
            leaves.update(inner)
        return kinds, leaves
    if tree is None:
        return None, {}
    kind = {np.ndarray: "ndarray"}.get(type(tree), "npscalar" if isinstance(tree, np.generic) else type(tree).__name__)
    return kind, {prefix[:-1]: tree}


def logits(model, video):
    with torch.no_grad():
        return model(pixel_values=video).logits


def test_every_file_flax_wrote_is_here():
    assert {
        "params_top_level.msgpack",
        "old_train_state/checkpoint_1000",
        "old_train_state_momentum.msgpack",
        "new_train_state/checkpoint_100",
        "new_train_state/checkpoint_500",
        "bf16_chunked/checkpoint_7",
        "extension_types.msgpack",
    } <= set(WRITTEN_BY_FLAX)


@pytest.mark.parametrize("name", WRITTEN_BY_FLAX)
def test_reader_gives_what_flax_restores(name):
    """Same tree, same leaf kinds (numpy scalars stay numpy scalars, None and empty dicts kept), same arrays."""
    structure, arrays = expected(name)
    kinds, leaves = kinds_and_leaves(read_scenic_checkpoint(DATA / name))
    assert kinds == structure
    assert leaves.keys() == arrays.keys()
    for key, want in arrays.items():
        got = np.asarray(leaves[key])
        assert got.dtype == want.dtype and got.shape == want.shape, key
        np.testing.assert_array_equal(got, want, err_msg=key)


def test_every_extension_type_flax_writes_is_covered():
    structure, arrays = expected("extension_types.msgpack")
    data = (DATA / "extension_types.msgpack").read_bytes()
    assert data.count(b"__msgpack_chunked_array__") == 3  # three arrays split by flax's own chunking
    assert structure["scalars"]["bfloat16"] == "npscalar" and structure["python"]["complex"] == "complex"
    assert structure["list"] == {"0": "ndarray", "1": "int"}  # flax stores lists and tuples as {'0': ..}
    assert arrays["arrays/bfloat16"].dtype == np.float32  # bfloat16 widened: exact
    assert arrays["chunked/float32_3d"].shape == (3, 4, 5)


@pytest.mark.parametrize(
    "name", ["params_top_level.msgpack", "old_train_state_momentum.msgpack", "new_train_state", "bf16_chunked"]
)
def test_flax_checkpoints_convert_with_the_logits_of_their_params(name):
    """Top-level params, flax.optim's optimizer/target (with momentum states), optax TrainState `params` (the latest
    of two steps in a directory), bf16 params split into chunks: each gives the logits of the params flax holds."""
    file = (
        "new_train_state/checkpoint_500"
        if name == "new_train_state"
        else ("bf16_chunked/checkpoint_7" if name == "bf16_chunked" else name)
    )
    _, arrays = expected(file)
    torch.manual_seed(0)
    video = torch.randn(2, 4, 3, 16, 16)
    reference = logits(load_scenic(arrays, MICRO_CONFIG), video)  # the TrainState prefix is stripped as for files
    converted = logits(load_scenic(DATA / name, MICRO_CONFIG), video)
    torch.testing.assert_close(converted, reference, rtol=0, atol=0)
    if name != "bf16_chunked":  # the micro params the generator started from, exactly
        micro = logits(load_scenic(DATA / "micro_params.npz", MICRO_CONFIG), video)
        torch.testing.assert_close(converted, micro, rtol=0, atol=0)


def test_scenic_train_state_saved_by_flax_gives_scenic_logits():
    """The issue's case: the pre-optax TrainState (`optimizer.state.step` an np.int32) written by flax's
    `save_checkpoint`, holding scenic's params of a fixture case, converts to scenic's own logits."""
    config = json.loads((DATA / "spacetime_3dconv_token_config.json").read_text())
    model = load_scenic(DATA / "old_train_state", config)
    _, arrays = expected("old_train_state/checkpoint_1000")
    assert arrays["optimizer/state/step"].dtype == np.int32
    case = case_dir("scenic", "spacetime_3dconv_token")
    if case.is_dir():
        video = torch.from_numpy(np.load(case / "input.npy")).permute(0, 1, 4, 2, 3)
        np.testing.assert_allclose(logits(model, video).numpy(), np.load(case / "logits.npy"), atol=1e-4, rtol=0)
    else:
        video = torch.randn(2, 4, 3, 32, 32)
    torch.testing.assert_close(logits(model, video), logits(load_scenic(arrays, config), video), rtol=0, atol=0)


def test_latest_step_is_read_from_a_directory(tmp_path):
    shutil.copy(DATA / "new_train_state" / "checkpoint_500", tmp_path / "checkpoint_20")
    shutil.copy(DATA / "new_train_state" / "checkpoint_100", tmp_path / "checkpoint_100")  # 100 > 20, not a string sort
    assert read_scenic_checkpoint(tmp_path)["global_step"] == 100


@pytest.mark.parametrize("path", ["orbax", "orbax/checkpoint_3"])
def test_orbax_directories_are_refused_by_name(path):
    with pytest.raises(ScenicCheckpointError, match="is an orbax/tensorstore checkpoint directory"):
        read_scenic_checkpoint(DATA / path)


def not_checkpoints(tmp_path):
    flax_bytes = (DATA / "params_top_level.msgpack").read_bytes()
    files = {
        "config.json": (b'{"model": {"hidden_size": 8}}\n', "JSON"),
        "params.npz": ((DATA / "micro_params.npz").read_bytes(), "zip"),
        "model.safetensors": (b"\x10\x00\x00\x00\x00\x00\x00\x00" + b'{"a":{"dtype":1}}', "safetensors"),
        "model.pt": (b"\x80\x04\x95" + b"\x00" * 20, "pickle"),
        "notes.txt": (b"a plain text file\n", "text"),
        "empty": (b"", "empty"),
        "checkpoint_9": (flax_bytes[: len(flax_bytes) // 2], "truncated"),
        "checkpoint_10": (flax_bytes + b"\x00junk", "trailing"),
    }
    for name, (content, _) in files.items():
        (tmp_path / name).write_bytes(content)
    return {name: description for name, (_, description) in files.items()}


def test_files_that_are_not_flax_checkpoints_are_named(tmp_path):
    for name, description in not_checkpoints(tmp_path).items():
        with pytest.raises(ScenicCheckpointError) as error:
            read_scenic_checkpoint(tmp_path / name)
        message = str(error.value)
        assert str(tmp_path / name) in message and description in message, message
