# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Read scenic's released ViViT checkpoints and configs without jax, flax, scenic or ml_collections.

* Checkpoints: `flax.training.checkpoints.save_checkpoint` writes one msgpack file, `<dir>/checkpoint_<step>`,
  holding the train state as a nested dict (`params/...`, or `optimizer/target/...` in older scenic). Arrays are
  msgpack extension type 1 holding `(shape, dtype name, raw bytes)`, scalars type 3, complex numbers type 2, and
  arrays over 2**30 bytes are split into `__msgpack_chunked_array__` dicts. A small msgpack decoder here reads that,
  so no msgpack package is needed; tests read files written by flax itself (tests/data/flax).
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
_ORBAX_FILES = ("_CHECKPOINT_METADATA", "_METADATA", "manifest.ocdbt", "commit_success.txt")


class ScenicCheckpointError(ValueError):
    """A scenic checkpoint or config that cannot be read; the message says why."""


# ------------------------------------------------------------------------------------------------ msgpack codec
class _Reader:
    def __init__(self, data: bytes):
        self.data, self.pos = memoryview(data), 0

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise ScenicCheckpointError("the msgpack data ends early (truncated: an incomplete copy or download?)")
        chunk = self.data[self.pos : self.pos + n]
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
    numbers = {
        0xCA: "f",
        0xCB: "d",
        0xCC: "B",
        0xCD: "H",
        0xCE: "I",
        0xCF: "Q",
        0xD0: "b",
        0xD1: "h",
        0xD2: "i",
        0xD3: "q",
    }
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


# ------------------------------------------------------------------------------------- flax's array extension
# What `flax.serialization` writes (checked against files flax 0.12.8 wrote, tests/data/flax): ext 1 an ndarray as
# msgpack (shape, dtype name, C-order bytes); ext 3 a numpy scalar, packed as a 0-d ndarray the same way; ext 2 a
# Python complex as (real, imag).
def _ndarray(payload: bytes) -> np.ndarray:
    shape, dtype_name, buffer = msgpack_decode(payload)
    dtype_name = _as_str(dtype_name)
    if dtype_name == "bfloat16":  # numpy has no bfloat16: widen to float32 (bfloat16 is float32's upper half: exact)
        bits = np.frombuffer(buffer, dtype="<u2").astype(np.uint32) << 16
        return bits.view(np.float32).reshape(shape)
    try:
        dtype = np.dtype(dtype_name)
    except TypeError as error:  # flax itself reads only numpy's dtypes and bfloat16
        raise ScenicCheckpointError(f"array of dtype {dtype_name!r}, which numpy cannot read") from error
    return np.frombuffer(buffer, dtype=dtype).reshape(shape).copy()


def _flax_ext_decode(code: int, payload: bytes):
    if code == _EXT_NDARRAY:
        return _ndarray(payload)
    if code == _EXT_NPSCALAR:
        return _ndarray(payload)[()]
    if code == _EXT_COMPLEX:
        real, imag = msgpack_decode(payload)
        return complex(real, imag)
    raise ScenicCheckpointError(f"unknown flax msgpack extension type {code}")


def _as_str(value) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value


def _unchunk(tree):
    """flax splits arrays over 2**30 bytes into `{__msgpack_chunked_array__: True, shape: {'0': d0, ..}, chunks:
    {'0': flat part, ..}}` (tuples stored as dicts); join them back."""
    if isinstance(tree, dict):
        if _CHUNKED in tree:
            shape, chunks = (tuple(part[str(i)] for i in range(len(part))) for part in (tree["shape"], tree["chunks"]))
            return np.concatenate(chunks).reshape(shape)
        return {key: _unchunk(value) for key, value in tree.items()}
    return tree


def flax_msgpack_restore(data: bytes) -> dict:
    """`flax.serialization.msgpack_restore` without flax: bytes -> nested dict of numpy arrays."""
    return _unchunk(msgpack_decode(data, _flax_ext_decode))


def describe_file_start(data: bytes) -> str:
    """What a file that is not the checkpoint expected seems to be, from its first bytes (4096 are enough), for the
    error message; the transformers checkpoint reader says it the same way."""
    if not data:
        return "it is empty"
    if data.startswith(b"PK\x03\x04"):
        return "it is a zip archive (an .npz, or a torch.save file?)"
    if len(data) > 9 and data[8:10] == b'{"':  # safetensors: u64 header length, then a JSON header
        return "it looks like a safetensors file"
    if data[:1] == b"\x80" and data[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        return "it looks like a Python pickle"
    if data.startswith(b"\x89HDF"):
        return "it is an HDF5 file (a Keras .h5?)"
    try:
        text = data[:4096].decode("utf-8")
    except UnicodeDecodeError:
        return f"it starts with bytes {data[:8].hex(' ')}"
    if text.lstrip().startswith(("{", "[")):
        return "it is JSON text (a config?)"
    return f"it is a text file starting {text[:40]!r}"


def _is_orbax(directory: str) -> bool:
    return any(os.path.exists(os.path.join(directory, name)) for name in _ORBAX_FILES)


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
    if not os.path.exists(path):
        raise ScenicCheckpointError(f"{path} does not exist")
    if os.path.isdir(path) and not _is_orbax(path):
        path = _latest_checkpoint(path)
    if os.path.isdir(path):  # orbax writes a directory per step
        inner = os.path.join(path, "checkpoint")
        if not os.path.isfile(inner):
            raise ScenicCheckpointError(
                f"{path} is an orbax/tensorstore checkpoint directory, which vivit_hf does not read; restore it with "
                f"orbax and save the params as .npz (flat '/'-joined names), then convert that"
            )
        path = inner
    with open(path, "rb") as handle:
        data = handle.read()
    # flax writes the train state as one msgpack map (0x80 alone is an empty one; 0x80 then more starts a pickle).
    if not (data == b"\x80" or data[:1] and (0x81 <= data[0] <= 0x8F or data[0] in (0xDE, 0xDF))):
        raise ScenicCheckpointError(f"{path} is not a flax/scenic checkpoint: {describe_file_start(data)}")
    try:
        state = flax_msgpack_restore(data)
    except ScenicCheckpointError as error:
        raise ScenicCheckpointError(
            f"{path} ({len(data)} bytes) is not a readable flax/scenic checkpoint: {error}"
        ) from error
    if any(isinstance(v, str) and v.startswith("PLACEHOLDER://") for v in _leaves(state)):
        raise ScenicCheckpointError(
            f"{path} is an orbax aggregate file whose arrays live in tensorstore; not supported"
        )
    return state


def _leaves(tree):
    if isinstance(tree, dict):
        for value in tree.values():
            yield from _leaves(value)
    else:
        yield tree


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
        return {
            key: value.to_dict() if isinstance(value, _ConfigDict) else _resolve_reference(value)
            for key, value in self.items()
        }

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
    return {
        "ml_collections": ml_collections,
        "ml_collections.config_dict": config_dict,
        "absl": absl,
        "absl.logging": absl_logging,
    }


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
