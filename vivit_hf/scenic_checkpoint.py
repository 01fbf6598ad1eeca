# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Read scenic's released ViViT checkpoints and configs without jax, flax, scenic or ml_collections.

* Checkpoints: `flax.training.checkpoints.save_checkpoint` writes one msgpack file, `<dir>/checkpoint_<step>`,
  holding the train state as a nested dict (`params/...`, or `optimizer/target/...` in older scenic). Arrays are
  msgpack extension type 1 holding `(shape, dtype name, raw bytes)`, scalars type 3, complex numbers type 2, and
  arrays over 1 GB are split into `__msgpack_chunked_array__` dicts. A small msgpack codec here reads (and, for
  tests and round trips, writes) that, so no msgpack package is needed.
* Configs: scenic's `.py` config files build an `ml_collections.ConfigDict` in `get_config()`. They are executed
  with a tiny stand-in `ml_collections` (and `absl.logging`) injected for the duration of the call, so neither
  package is needed; the result is a plain dict. A line of prose left uncommented in a shipped config (scenic's
  Epic Kitchens config has one) is commented out with a warning rather than failing.
"""

from __future__ import annotations

import logging
import os
import re
import struct
import sys
import types
from collections.abc import Mapping

import numpy as np

logger = logging.getLogger(__name__)

_EXT_NDARRAY, _EXT_COMPLEX, _EXT_NPSCALAR = 1, 2, 3
_CHUNKED = "__msgpack_chunked_array__"


class ScenicCheckpointError(ValueError):
    """A scenic checkpoint or config that cannot be read; the message says why."""


# ------------------------------------------------------------------------------------------------ msgpack codec
class _Reader:
    def __init__(self, data: bytes):
        self.data, self.pos = memoryview(data), 0

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise ScenicCheckpointError("truncated msgpack data")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return bytes(chunk)

    def unpack(self, fmt: str):
        return struct.unpack(">" + fmt, self.take(struct.calcsize(">" + fmt)))[0]


def msgpack_decode(data: bytes, ext_hook=None):
    """Decode one msgpack object; `ext_hook(code, payload)` turns extension types into values."""
    reader = _Reader(data)
    value = _decode(reader, ext_hook)
    if reader.pos != len(reader.data):
        raise ScenicCheckpointError(f"{len(reader.data) - reader.pos} trailing bytes after the msgpack object")
    return value


def _decode(r: _Reader, ext_hook):  # noqa: C901 - one branch per msgpack type code
    b = r.take(1)[0]
    if b <= 0x7F:
        return b
    if b >= 0xE0:
        return b - 0x100
    if 0x80 <= b <= 0x8F:
        return _map(r, b & 0x0F, ext_hook)
    if 0x90 <= b <= 0x9F:
        return [_decode(r, ext_hook) for _ in range(b & 0x0F)]
    if 0xA0 <= b <= 0xBF:
        return r.take(b & 0x1F).decode("utf-8")
    simple = {0xC0: None, 0xC2: False, 0xC3: True}
    if b in simple:
        return simple[b]
    sized = {0xC4: "B", 0xC5: "H", 0xC6: "I"}  # bin
    if b in sized:
        return r.take(r.unpack(sized[b]))
    if b in (0xC7, 0xC8, 0xC9):  # ext 8/16/32
        size = r.unpack({0xC7: "B", 0xC8: "H", 0xC9: "I"}[b])
        return _ext(r.unpack("b"), r.take(size), ext_hook)
    numbers = {0xCA: "f", 0xCB: "d", 0xCC: "B", 0xCD: "H", 0xCE: "I", 0xCF: "Q", 0xD0: "b", 0xD1: "h", 0xD2: "i",
               0xD3: "q"}
    if b in numbers:
        return r.unpack(numbers[b])
    if 0xD4 <= b <= 0xD8:  # fixext 1/2/4/8/16
        code = r.unpack("b")
        return _ext(code, r.take(1 << (b - 0xD4)), ext_hook)
    if b in (0xD9, 0xDA, 0xDB):
        return r.take(r.unpack({0xD9: "B", 0xDA: "H", 0xDB: "I"}[b])).decode("utf-8")
    if b in (0xDC, 0xDD):
        return [_decode(r, ext_hook) for _ in range(r.unpack("H" if b == 0xDC else "I"))]
    if b in (0xDE, 0xDF):
        return _map(r, r.unpack("H" if b == 0xDE else "I"), ext_hook)
    raise ScenicCheckpointError(f"invalid msgpack type byte 0x{b:02x}")


def _map(r, n, ext_hook):
    out = {}
    for _ in range(n):
        key = _decode(r, ext_hook)
        out[key.decode("utf-8") if isinstance(key, bytes) else key] = _decode(r, ext_hook)
    return out


def _ext(code, payload, ext_hook):
    if ext_hook is None:
        raise ScenicCheckpointError(f"msgpack extension type {code} without a decoder")
    return ext_hook(code, payload)


def msgpack_encode(value, ext_hook=None) -> bytes:
    """Encode one object (dict, list/tuple, str, bytes, int, float, bool, None; others through `ext_hook(value)`
    returning `(code, payload)`)."""
    out = bytearray()
    _encode(value, out, ext_hook)
    return bytes(out)


def _encode(v, out: bytearray, ext_hook):  # noqa: C901
    if v is None:
        out.append(0xC0)
    elif isinstance(v, bool):
        out.append(0xC3 if v else 0xC2)
    elif isinstance(v, int):
        if 0 <= v <= 0x7F:
            out.append(v)
        elif -32 <= v < 0:
            out.append(v & 0xFF)
        elif v >= 0:
            out += b"\xcf" + struct.pack(">Q", v)
        else:
            out += b"\xd3" + struct.pack(">q", v)
    elif isinstance(v, float):
        out += b"\xcb" + struct.pack(">d", v)
    elif isinstance(v, str):
        data = v.encode("utf-8")
        out += b"\xdb" + struct.pack(">I", len(data)) + data
    elif isinstance(v, (bytes, bytearray, memoryview)):
        data = bytes(v)
        out += b"\xc6" + struct.pack(">I", len(data)) + data
    elif isinstance(v, Mapping):
        out += b"\xdf" + struct.pack(">I", len(v))
        for key, item in v.items():
            _encode(key, out, ext_hook)
            _encode(item, out, ext_hook)
    elif isinstance(v, (list, tuple)):
        out += b"\xdd" + struct.pack(">I", len(v))
        for item in v:
            _encode(item, out, ext_hook)
    else:
        if ext_hook is None:
            raise TypeError(f"cannot msgpack-encode {type(v).__name__}")
        code, payload = ext_hook(v)
        out += b"\xc9" + struct.pack(">Ib", len(payload), code) + payload


# ------------------------------------------------------------------------------------- flax's array extension
def _dtype(name: str):
    if name == "bfloat16":
        return "bfloat16"
    return np.dtype(name)


def _array_from(buffer: bytes, dtype_name: str, shape) -> np.ndarray:
    dtype = _dtype(dtype_name)
    if dtype == "bfloat16":  # numpy has no bfloat16: widen to float32 (bfloat16 is float32's upper half)
        bits = np.frombuffer(buffer, dtype="<u2").astype(np.uint32) << 16
        return bits.view(np.float32).reshape(shape)
    return np.frombuffer(buffer, dtype=dtype).reshape(shape).copy()


def _flax_ext_decode(code: int, payload: bytes):
    if code == _EXT_NDARRAY:
        shape, dtype_name, buffer = msgpack_decode(payload)
        return _array_from(buffer, _as_str(dtype_name), tuple(shape))
    if code == _EXT_NPSCALAR:
        dtype_name, buffer = msgpack_decode(payload)
        return _array_from(buffer, _as_str(dtype_name), ())[()]
    if code == _EXT_COMPLEX:
        real, imag = msgpack_decode(payload)
        return complex(real, imag)
    raise ScenicCheckpointError(f"unknown flax msgpack extension type {code}")


def _as_str(value) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value


def _flax_ext_encode(value):
    if isinstance(value, np.generic):
        return _EXT_NPSCALAR, msgpack_encode((value.dtype.name, value.tobytes()))
    if isinstance(value, np.ndarray):
        return _EXT_NDARRAY, msgpack_encode((list(value.shape), value.dtype.name, np.ascontiguousarray(value).tobytes()))
    if isinstance(value, complex):
        return _EXT_COMPLEX, msgpack_encode((value.real, value.imag))
    raise TypeError(f"cannot store a {type(value).__name__} in a flax checkpoint")


def _unchunk(tree):
    """flax splits arrays over 1 GB into `{__msgpack_chunked_array__, shape, chunks}`; join them back."""
    if isinstance(tree, dict):
        if _CHUNKED in tree:
            chunks = tree["chunks"]
            parts = [chunks[str(i)] for i in range(len(chunks))]
            return np.concatenate([np.ravel(p) for p in parts]).reshape(tuple(np.asarray(tree["shape"]).tolist()))
        return {key: _unchunk(value) for key, value in tree.items()}
    return tree


def flax_msgpack_restore(data: bytes) -> dict:
    """`flax.serialization.msgpack_restore` without flax: bytes -> nested dict of numpy arrays."""
    return _unchunk(msgpack_decode(data, _flax_ext_decode))


def flax_msgpack_serialize(tree: Mapping) -> bytes:
    """`flax.serialization.msgpack_serialize` without flax (no chunking: for trees of arrays under 1 GB each)."""
    return msgpack_encode(tree, _flax_ext_encode)


# ------------------------------------------------------------------------------------------------ checkpoints
def _latest_checkpoint(directory: str, prefix: str = "checkpoint_") -> str:
    steps = []
    for name in os.listdir(directory):
        match = re.fullmatch(re.escape(prefix) + r"(\d+)", name)
        if match:
            steps.append((int(match.group(1)), name))
    if steps:
        return os.path.join(directory, max(steps)[1])
    if os.path.isfile(os.path.join(directory, "checkpoint")):
        return os.path.join(directory, "checkpoint")
    raise ScenicCheckpointError(f"no `{prefix}<step>` file in {directory}: not a flax checkpoint directory")


def read_scenic_checkpoint(path) -> dict:
    """A scenic/flax checkpoint (a `checkpoint_<step>` file, or the directory holding them: the latest step is
    read) -> the train state as a nested dict of numpy arrays (parameters under `params/` or `optimizer/target/`)."""
    path = os.fspath(path)
    if os.path.isdir(path):
        path = _latest_checkpoint(path)
    if os.path.isdir(path):  # orbax writes a directory per step
        inner = os.path.join(path, "checkpoint")
        if not os.path.isfile(inner):
            raise ScenicCheckpointError(
                f"{path} is an orbax/tensorstore checkpoint directory, which vivit_hf does not read; restore it with "
                f"orbax and save the params as .npz (flat '/'-joined names), then convert that")
        path = inner
    with open(path, "rb") as handle:
        state = flax_msgpack_restore(handle.read())
    if not isinstance(state, dict):
        raise ScenicCheckpointError(f"{path} does not hold a flax state dict")
    if any(isinstance(v, str) and v.startswith("PLACEHOLDER://") for v in _leaves(state)):
        raise ScenicCheckpointError(f"{path} is an orbax aggregate file whose arrays live in tensorstore; not supported")
    return state


def _leaves(tree):
    if isinstance(tree, dict):
        for value in tree.values():
            yield from _leaves(value)
    else:
        yield tree


def write_scenic_checkpoint(params: Mapping, directory, step: int = 0, layout: str = "params") -> str:
    """Write `params` (nested, or flat '/'-joined) as a flax `checkpoint_<step>` file, laid out as scenic's
    TrainState (`layout="params"`) or its older optimizer-based state (`"optimizer"`). Returns the file path."""
    from .convert import flatten_tree

    nested: dict = {}
    for name, value in flatten_tree(params).items():
        node = nested
        *parents, leaf = name.split("/")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = np.asarray(value)
    if layout == "params":
        state = {"global_step": step, "opt_state": {}, "params": nested, "model_state": {}, "rng": np.zeros(2, np.uint32)}
    elif layout == "optimizer":
        state = {"global_step": step, "optimizer": {"target": nested, "state": {"step": step}}, "model_state": {}}
    else:
        raise ValueError(f"layout must be 'params' or 'optimizer', got {layout!r}")
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(os.fspath(directory), f"checkpoint_{step}")
    with open(path, "wb") as handle:
        handle.write(flax_msgpack_serialize(state))
    return path


# ---------------------------------------------------------------------------------------------- Python configs
class _ConfigDict(dict):
    """Enough of `ml_collections.ConfigDict` for scenic's config files: attribute access, nested dicts."""

    def __init__(self, initial=None, **kwargs):
        super().__init__()
        for key, value in dict(initial or {}, **kwargs).items():
            self[key] = value

    def __setitem__(self, key, value):
        if isinstance(value, Mapping) and not isinstance(value, _ConfigDict):
            value = _ConfigDict(value)
        super().__setitem__(key, value)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            return self[name]
        except KeyError as error:
            raise AttributeError(f"config has no field {name!r}") from error

    def __setattr__(self, name, value):
        self[name] = value

    def __delattr__(self, name):
        del self[name]

    def lock(self):
        return self

    unlock = lock

    def to_dict(self):
        return {key: value.to_dict() if isinstance(value, _ConfigDict) else _resolve_reference(value)
                for key, value in self.items()}

    def copy_and_resolve_references(self):
        return _ConfigDict(self.to_dict())


class _FieldReference:
    def __init__(self, default=None, field_type=None):
        self.value = default

    def get(self):
        return self.value

    def set(self, value):
        self.value = value


def _resolve_reference(value):
    return value.get() if isinstance(value, _FieldReference) else value


def _stand_in_modules() -> dict[str, types.ModuleType]:
    config_dict = types.ModuleType("ml_collections.config_dict")
    config_dict.ConfigDict = config_dict.FrozenConfigDict = _ConfigDict
    config_dict.FieldReference = _FieldReference
    config_dict.placeholder = lambda field_type=None, required=False: None
    config_dict.create = lambda **kwargs: _ConfigDict(kwargs)
    ml_collections = types.ModuleType("ml_collections")
    for name in ("ConfigDict", "FrozenConfigDict", "FieldReference", "placeholder"):
        setattr(ml_collections, name, getattr(config_dict, name))
    ml_collections.config_dict = config_dict
    absl_logging = types.ModuleType("absl.logging")
    for level in ("info", "warning", "error", "debug", "log", "vlog"):
        setattr(absl_logging, level, lambda *args, **kwargs: None)
    absl = types.ModuleType("absl")
    absl.logging = absl_logging
    return {"ml_collections": ml_collections, "ml_collections.config_dict": config_dict, "absl": absl,
            "absl.logging": absl_logging}


def _compile_config(source: str, path: str):
    lines = source.splitlines()
    for _ in range(10):
        try:
            return compile("\n".join(lines) + "\n", path, "exec")
        except SyntaxError as error:
            index = (error.lineno or 0) - 1
            line = lines[index] if 0 <= index < len(lines) else ""
            # Only prose that lost its '#' is forgiven: nothing that assigns or calls.
            if not line.strip() or any(mark in line for mark in "=()[]"):
                raise ScenicCheckpointError(f"{path}:{error.lineno}: {error.msg}: {line.strip()!r}") from error
            logger.warning("%s:%d is not Python (%r); reading it as a comment", path, error.lineno, line.strip())
            lines[index] = re.sub(r"^(\s*)", r"\1# ", line)
    raise ScenicCheckpointError(f"{path}: too many syntax errors")


def read_python_config(path, *args) -> dict:
    """Run a scenic config file's `get_config(*args)` with stand-in `ml_collections`/`absl` and return a plain
    dict. Nothing is imported from scenic; a config importing other modules that are not installed fails naming
    the module."""
    path = os.fspath(path)
    with open(path) as handle:
        code = _compile_config(handle.read(), path)
    stand_ins = _stand_in_modules()
    saved = {name: sys.modules.get(name) for name in stand_ins}
    sys.modules.update(stand_ins)
    try:
        namespace = {"__name__": "scenic_config", "__file__": path}
        try:
            exec(code, namespace)  # noqa: S102 - a config file the user asked to read, as scenic itself does
        except ImportError as error:
            raise ScenicCheckpointError(f"{path} imports {error.name!r}, which is not available: {error}") from error
        if "get_config" not in namespace:
            raise ScenicCheckpointError(f"{path} defines no get_config()")
        config = namespace["get_config"](*args)
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
    return config.to_dict() if isinstance(config, _ConfigDict) else dict(config)
