# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""How many rows of an Arrow IPC file (`.arrow`: stream or file format) have a column null, read from its messages'
metadata alone: each record batch's flatbuffer header lists every column's (and struct field's) length and null
count, the body holding the values is skipped with a seek. pyarrow reads a batch's body with it (through a memory
map, the kernel is told to read all of it ahead): a table of embedded clips was read from disk to count its nulls.
The Arrow counterpart of a parquet footer's statistics (`streaming._bytes_nulls`)."""

from __future__ import annotations

import struct
from pathlib import Path

_RECORD_BATCH = 3  # Message.fbs: MessageHeader's union type of a RecordBatch
_FILE_MAGIC = b"ARROW1"


def column_nulls(table: Path, names: tuple[str, ...]) -> tuple[int, int] | None:
    """`(rows, nulls)` of the column `names` (`("video", "bytes")`: the field `bytes` of the struct column `video`)
    over every record batch of the IPC file `table` (`names` empty: `(rows, 0)`); None where the file holds no such
    column or cannot be read so (then nothing is known without reading the values)."""
    import pyarrow as pa

    try:
        with open(table, "rb") as file:
            is_file_format = file.read(6) == _FILE_MAGIC
        reader = pa.ipc.open_file(table) if is_file_format else pa.ipc.open_stream(table)  # reads the schema only
        node = _node_index(list(reader.schema), names) if names else None
        if names and node is None:
            return None
        rows = nulls = 0
        with open(table, "rb") as file:
            file.seek(8 if is_file_format else 0)  # a file is a stream after its 8-byte magic, then a footer
            for length, counts in _record_batches(file):
                rows, nulls = rows + length, nulls + (counts[node][1] if names else 0)
        return rows, nulls
    except (OSError, ValueError, IndexError, struct.error, pa.ArrowException):
        return None


def _node_index(fields, names: tuple[str, ...]) -> int | None:
    """The index of column `names` among a batch's field nodes: every column and its children, depth first."""
    index = 0
    for field in fields:
        if field.name == names[0]:
            return index if len(names) == 1 else _child_index(field, names[1:], index)
        index += _node_count(field)
    return None


def _child_index(field, names, index):
    below = _node_index(_children(field), names)
    return None if below is None else index + 1 + below


def _children(field) -> list:
    kind = field.type.storage_type if hasattr(field.type, "storage_type") else field.type  # an extension type's
    return [kind.field(i) for i in range(kind.num_fields)]


def _node_count(field) -> int:
    return 1 + sum(_node_count(child) for child in _children(field))


def _record_batches(file):
    """`(rows, [(length, null_count) per field node])` of each record batch message of an IPC stream, its body
    skipped."""
    while True:
        prefix = file.read(4)
        if len(prefix) < 4:
            return
        (size,) = struct.unpack("<i", prefix)
        if size == -1:  # the continuation marker (format 0.15 on), then the metadata's size
            (size,) = struct.unpack("<i", file.read(4))
        if size == 0:  # end of stream
            return
        metadata = file.read(size)
        message = struct.unpack_from("<I", metadata, 0)[0]  # the root table: a Message
        kind, batch = _scalar(metadata, message, 1, "<B"), _offset(metadata, message, 2)
        if kind == _RECORD_BATCH and batch is not None:
            nodes = _offset(metadata, batch, 1)
            count = struct.unpack_from("<I", metadata, nodes)[0] if nodes is not None else 0
            counts = [struct.unpack_from("<qq", metadata, nodes + 4 + 16 * i) for i in range(count)]
            yield _scalar(metadata, batch, 0, "<q"), counts
        file.seek(_scalar(metadata, message, 3, "<q"), 1)  # the body: its length


def _slot(buffer: bytes, table: int, slot: int) -> int | None:
    """Where a flatbuffer table's field `slot` is stored, None where it is absent (its default)."""
    vtable = table - struct.unpack_from("<i", buffer, table)[0]
    at = 4 + 2 * slot
    if at >= struct.unpack_from("<H", buffer, vtable)[0]:
        return None
    offset = struct.unpack_from("<H", buffer, vtable + at)[0]
    return table + offset if offset else None


def _scalar(buffer: bytes, table: int, slot: int, form: str) -> int:
    where = _slot(buffer, table, slot)
    return 0 if where is None else struct.unpack_from(form, buffer, where)[0]


def _offset(buffer: bytes, table: int, slot: int) -> int | None:
    """The table or vector a field refers to (an offset from where it is stored)."""
    where = _slot(buffer, table, slot)
    return None if where is None else where + struct.unpack_from("<I", buffer, where)[0]
