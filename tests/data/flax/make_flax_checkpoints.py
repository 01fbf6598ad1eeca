# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Writes the flax checkpoints in this folder with flax itself, so the reader is tested against flax's bytes.

Run once, in two environments (flax and jax are not dependencies of vivit_hf):

    # 1. the project's venv: tiny ViViT params in scenic's names (to_scenic of a seeded model)
    python tests/data/flax/make_flax_checkpoints.py params
    # 2. a venv with flax only (made with flax 0.12.8, jax 0.10.2, numpy 2.4.6; no torch):
    python3 -m venv /tmp/flaxenv && /tmp/flaxenv/bin/pip install flax==0.12.8
    /tmp/flaxenv/bin/python tests/data/flax/make_flax_checkpoints.py checkpoints

Step 2 also reads scenic's own params of the `spacetime_3dconv_token` case from shared/fixtures (VIVIT_FIXTURES
to use another copy), so one checkpoint converts to the logits scenic computed.

Every checkpoint `X` gets an `X.npz` beside it: what `flax.serialization.msgpack_restore` reads back from the
file, flattened to '/'-joined names (bfloat16 widened to float32, which is exact), plus `__structure__`, a JSON
copy of the tree with each leaf replaced by its kind, so the test checks types and empty dicts / None too.

Chunked arrays: flax splits arrays over `MAX_CHUNK_SIZE` (2**30 bytes) into `__msgpack_chunked_array__` dicts. A
1 GiB file cannot be committed, so `flax.serialization.MAX_CHUNK_SIZE` is lowered while writing the two files that
hold chunked arrays; the chunking itself is flax's own code (`_chunk_array_leaves_in_place`), unchanged.
"""

import json
import os
import shutil
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
FIXTURES = Path(os.environ.get("VIVIT_FIXTURES", HERE.parents[3] / "shared" / "fixtures"))
FIXTURE_CASE = "spacetime_3dconv_token"

# A micro Model 1 (8 wide, 1 layer), so the TrainState variants below stay a few KB each.
MICRO_SCENIC_CONFIG = {
    "model_name": "vivit_classification",
    "model": {
        "attention_config": {"type": "spacetime"},
        "hidden_size": 8,
        "num_heads": 2,
        "mlp_dim": 16,
        "num_layers": 1,
        "patches": {"size": [4, 4, 2]},
        "classifier": "token",
        "representation_size": None,
        "temporal_encoding_config": {"method": "3d_conv"},
    },
    "dataset_configs": {"crop_size": [16, 16], "num_frames": 4, "num_classes": 3},
}


def make_params():
    """Step 1 (torch): random micro ViViT params (every one non-zero) in scenic's names -> micro_params.npz."""
    import torch

    from vivit_hf.convert import config_from_scenic, to_scenic
    from vivit_hf.models.modeling_vivit import ViViTSpatioTemporalForVideoClassification

    torch.manual_seed(0)
    model = ViViTSpatioTemporalForVideoClassification(config_from_scenic(MICRO_SCENIC_CONFIG))
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.add_(torch.randn_like(parameter) * 0.1)
    np.savez(HERE / "micro_params.npz", **to_scenic(model))
    (HERE / "micro_config.json").write_text(json.dumps(MICRO_SCENIC_CONFIG, indent=1) + "\n")


def nest(flat):
    tree = {}
    for name, value in flat.items():
        node = tree
        *parents, leaf = name.split("/")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return tree


def make_checkpoints():  # noqa: C901 - one block per file
    """Step 2 (flax): the checkpoints, each written by flax's serializer or `save_checkpoint`."""
    import flax
    import flax.serialization as serialization
    import flax.struct
    import jax
    import jax.numpy as jnp
    import ml_dtypes
    import optax
    from flax.training import checkpoints

    flax.config.update("flax_use_orbax_checkpointing", False)  # flax's own msgpack format ("legacy")
    for name in ("old_train_state", "new_train_state", "bf16_chunked", "orbax"):  # save_checkpoint won't overwrite
        shutil.rmtree(HERE / name, ignore_errors=True)
    written = []

    def record(path):
        """`path` as flax reads it back -> `path.npz`."""
        restored = serialization.msgpack_restore(Path(path).read_bytes())
        flat = {}

        def walk(node, prefix):
            if isinstance(node, dict):
                return {key: walk(value, f"{prefix}{key}/") for key, value in node.items()}
            name = prefix[:-1]
            if node is None:
                return None
            if isinstance(node, np.ndarray):
                kind = "ndarray"
            elif isinstance(node, np.generic):
                kind = "npscalar"
            else:
                kind = type(node).__name__  # int, float, bool, str, bytes, complex
            value = np.asarray(node)
            if value.dtype == jnp.bfloat16:
                value = value.astype(np.float32)
            flat[name] = value
            return kind

        structure = walk(restored, "")
        np.savez_compressed(f"{path}.npz", __structure__=np.asarray(json.dumps(structure)), **flat)
        written.append(Path(path))

    micro = nest(dict(np.load(HERE / "micro_params.npz")))
    with np.load(FIXTURES / "scenic" / FIXTURE_CASE / "params.npz") as archive:
        scenic_params = nest({name: archive[name] for name in archive.files})
    case_config = json.loads((FIXTURES / "scenic" / FIXTURE_CASE / "config.json").read_text())["scenic_config"]
    (HERE / f"{FIXTURE_CASE}_config.json").write_text(json.dumps(case_config, indent=1) + "\n")
    rng = np.asarray(jax.random.PRNGKey(0))  # uint32 (2,), as scenic keeps its rng

    # 1. Params alone at the top level (a bare `flax.serialization.to_bytes(params)`).
    path = HERE / "params_top_level.msgpack"
    path.write_bytes(serialization.to_bytes(micro))
    record(path)

    # 2. scenic's TrainState before optax (2021, the released ViViT checkpoints' era): flax.optim's Optimizer,
    #    state dict {target, state: {step, param_states}}. The failing case: step as np.int32 (ext type 3).
    #    scenic's parameters, so the conversion reproduces scenic's logits; written by `save_checkpoint`.
    @flax.struct.dataclass
    class OldTrainState:  # scenic.train_lib.train_utils.TrainState before the optax port
        global_step: int = 0
        optimizer: dict = None
        model_state: dict = None
        rng: np.ndarray = None
        accum_train_time: float = 0

    state = OldTrainState(
        global_step=1000,
        optimizer={"target": scenic_params, "state": {"step": np.int32(1000), "param_states": {}}},
        model_state={},
        rng=rng,
        accum_train_time=12.5,
    )
    directory = HERE / "old_train_state"
    written.append(Path(checkpoints.save_checkpoint(directory, state, 1000, keep=2)))
    record(directory / "checkpoint_1000")

    # 3. The same era with flax.optim's momentum state per parameter (param_states mirrors the params), micro model.
    momentum = jax.tree_util.tree_map(lambda p: {"momentum": np.full_like(p, 0.5)}, micro)
    state = OldTrainState(
        global_step=20,
        optimizer={"target": micro, "state": {"step": np.int32(20), "param_states": momentum}},
        model_state={},
        rng=rng,
        accum_train_time=1.0,
    )
    path = HERE / "old_train_state_momentum.msgpack"
    path.write_bytes(serialization.to_bytes(state))
    record(path)

    # 4. scenic's TrainState since the optax port: params at `params`, optax Adam state, metadata; two steps in one
    #    directory (keep=2): the reader must take the latest. Step 100 holds other params.
    @flax.struct.dataclass
    class TrainState:  # scenic.train_lib.train_utils.TrainState
        global_step: int = 0
        opt_state: object = None
        tx: object = flax.struct.field(default=None, pytree_node=False)
        params: dict = None
        model_state: dict = None
        rng: np.ndarray = None
        metadata: dict = None

    tx = optax.adam(1e-3)
    directory = HERE / "new_train_state"
    for step, params in ((100, jax.tree_util.tree_map(np.zeros_like, micro)), (500, micro)):
        opt_state = jax.device_get(tx.init(params))  # (ScaleByAdamState(count, mu, nu), EmptyState())
        state = TrainState(
            global_step=step,
            opt_state=opt_state,
            tx=tx,
            params=params,
            model_state={},
            rng=rng,
            metadata={"chrono": {"accum_train_time": 3.5, "note": "x"}, "config": None},
        )
        written.append(Path(checkpoints.save_checkpoint(directory, jax.device_get(state), step, keep=2)))
    record(directory / "checkpoint_100")
    record(directory / "checkpoint_500")

    # 5. bfloat16 params (a model trained or saved in bf16), chunked by flax: MAX_CHUNK_SIZE lowered from 2**30 to
    #    256 bytes, so every array over 128 bf16 values is split as a > 1 GiB array would be.
    bf16 = jax.tree_util.tree_map(lambda p: np.asarray(p).astype(jnp.bfloat16), micro)
    state = TrainState(global_step=7, opt_state={}, params=bf16, model_state={}, rng=rng, metadata=None)
    saved, serialization.MAX_CHUNK_SIZE = serialization.MAX_CHUNK_SIZE, 256
    try:
        directory = HERE / "bf16_chunked"
        written.append(Path(checkpoints.save_checkpoint(directory, state, 7)))
    finally:
        serialization.MAX_CHUNK_SIZE = saved
    record(directory / "checkpoint_7")

    # 6. Every leaf type flax writes: ext 1 (ndarray: many dtypes, 0-d, empty, Fortran-ordered, bfloat16, complex),
    #    ext 2 (Python complex), ext 3 (numpy scalars, bfloat16 included), chunked arrays (MAX_CHUNK_SIZE lowered to
    #    64 bytes: 1-D and 3-D arrays, float32 and bfloat16, a last chunk shorter than the others), plain msgpack
    #    values, lists and tuples (flax stores them as {'0': ..., '1': ...}), empty dicts and None.
    generator = np.random.default_rng(0)
    tree = {
        "arrays": {
            "float32": generator.standard_normal((3, 4)).astype(np.float32),
            "float64": generator.standard_normal(5),
            "float16": generator.standard_normal((2, 3)).astype(np.float16),
            "bfloat16": generator.standard_normal((2, 5)).astype(jnp.bfloat16),
            "int8": np.arange(-4, 4, dtype=np.int8),
            "int64": np.array([-(2**40), 0, 2**40]),
            "uint8": np.arange(6, dtype=np.uint8).reshape(2, 3),
            "uint32": rng,
            "bool": np.array([True, False, True]),
            "complex64": (generator.standard_normal(3) + 1j * generator.standard_normal(3)).astype(np.complex64),
            "zero_d": np.array(2.5, np.float32),
            "empty": np.zeros((0, 3), np.float32),
            "fortran": np.asfortranarray(np.arange(12, dtype=np.float32).reshape(3, 4)),
        },
        "scalars": {
            "int32": np.int32(-7),
            "int64": np.int64(2**40),
            "uint8": np.uint8(200),
            "float32": np.float32(0.1),
            "float64": np.float64(1e-300),
            "bool": np.bool_(True),
            "complex64": np.complex64(1 - 2j),
            "bfloat16": ml_dtypes.bfloat16(1.5),  # a numpy scalar; jnp.bfloat16(1.5) would be a jax.Array (ext 1)
        },
        "python": {
            "int": 1000,
            "negative": -3,
            "big": 2**63 - 1,
            "float": 0.25,
            "true": True,
            "str": "vivit",
            "complex": complex(1.5, -2.0),
            "none": None,
            "empty": {},
        },
        "list": [np.ones(2, np.float32), 3],
        "tuple": (np.int32(1), {"a": np.zeros(1, np.float32)}),
        "chunked": {
            "float32": generator.standard_normal(37).astype(np.float32),  # 16 per chunk: 16 + 16 + 5
            "float32_3d": generator.standard_normal((3, 4, 5)).astype(np.float32),
            "bfloat16": generator.standard_normal((7, 9)).astype(jnp.bfloat16),  # 32 per chunk
            "small": np.ones(4, np.float32),  # under the limit: not chunked
        },
    }
    saved, serialization.MAX_CHUNK_SIZE = serialization.MAX_CHUNK_SIZE, 64
    try:
        data = serialization.to_bytes(tree)  # to_state_dict (lists, tuples -> dicts), then msgpack_serialize
    finally:
        serialization.MAX_CHUNK_SIZE = saved
    assert b"__msgpack_chunked_array__" in data
    path = HERE / "extension_types.msgpack"
    path.write_bytes(data)
    record(path)

    # 7. What `save_checkpoint` writes by default since Orbax (flax >= 0.7.1): a directory the reader refuses by name.
    flax.config.update("flax_use_orbax_checkpointing", True)
    written.append(Path(checkpoints.save_checkpoint(HERE / "orbax", {"params": {"w": np.ones(2, np.float32)}}, 3)))

    versions = {name: __import__(name).__version__ for name in ("flax", "jax", "numpy", "optax")}
    print(json.dumps(versions))
    for path in sorted(set(written)):
        size = sum(f.stat().st_size for f in path.rglob("*")) if path.is_dir() else path.stat().st_size
        print(f"{path.relative_to(HERE)}: {size} bytes")


if __name__ == "__main__":
    {"params": make_params, "checkpoints": make_checkpoints}[sys.argv[1]]()
