"""The V2 tensor codec: datatypes, JSON and binary tensor data, tensors -> records."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from roost.core.errors import BadRequestError
from roost.core.serving.input_batch import InputBatch

__all__ = [
    "DATATYPES",
    "Tensor",
    "accepted_datatypes",
    "decode_binary",
    "encode_binary",
    "from_json",
    "schema_datatype",
    "to_batch",
    "to_records",
]

#: Every V2 datatype -> its little-endian numpy dtype (BYTES has none).
DATATYPES: Mapping[str, str | None] = {
    "BOOL": "|b1",
    "UINT8": "|u1",
    "UINT16": "<u2",
    "UINT32": "<u4",
    "UINT64": "<u8",
    "INT8": "|i1",
    "INT16": "<i2",
    "INT32": "<i4",
    "INT64": "<i8",
    "FP16": "<f2",
    "FP32": "<f4",
    "FP64": "<f8",
    "BF16": "<u2",  # numpy has no bfloat16: read the raw 16 bits, widen to FP32
    "BYTES": None,
}
INTEGERS = frozenset(name for name in DATATYPES if "INT" in name)
FLOATS = frozenset({"FP16", "FP32", "FP64", "BF16"})
NUMERIC = INTEGERS | FLOATS
#: Cerberus type -> the tensor datatypes accepted for a field of that type.
_ACCEPTED: Mapping[str, frozenset[str]] = {
    "integer": NUMERIC,
    "float": NUMERIC,
    "number": NUMERIC,
    "boolean": frozenset({"BOOL"}),
    "string": frozenset({"BYTES"}),
}
_LENGTH_PREFIX = 4
_SHOWN = 40


@dataclass(frozen=True)
class Tensor:
    """One named tensor; `data` is flat, row-major, `None` for a missing value."""

    name: str
    datatype: str
    shape: tuple[int, ...]
    data: list[Any]
    parameters: Mapping[str, Any] = field(default_factory=dict)


def _types(rules: Mapping[str, Any]) -> list[str]:
    kind = rules.get("type")
    return [kind] if isinstance(kind, str) else [str(k) for k in kind or ()]


def schema_datatype(rules: Mapping[str, Any]) -> str:
    """Return the datatype a client should send for one schema field.

    Integers that may be null travel as FP64, so NaN can mark the missing ones.
    """
    kind = (_types(rules) or ["?"])[0]
    if kind == "integer":
        return "FP64" if rules.get("nullable") else "INT64"
    return {"float": "FP64", "number": "FP64", "boolean": "BOOL"}.get(kind, "BYTES")


def accepted_datatypes(rules: Mapping[str, Any]) -> frozenset[str]:
    """Return every datatype accepted for a field (any, for untyped fields)."""
    accepted: set[str] = set()
    for kind in _types(rules):
        accepted |= _ACCEPTED.get(kind, frozenset(DATATYPES))
    return frozenset(accepted) if accepted else frozenset(DATATYPES)


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


def _flatten(name: str, data: Any) -> list[Any]:
    """Flatten nested lists row-major, without recursion (nesting may be deep)."""
    if not isinstance(data, list):
        raise BadRequestError(
            f"input {name!r}: data must be a list, not {_shown(data)}"
        )
    flat: list[Any] = []
    stack = [iter(data)]
    while stack:
        for item in stack[-1]:
            if isinstance(item, list):
                stack.append(iter(item))
                break
            if isinstance(item, dict):
                raise BadRequestError(f"input {name!r}: data holds an object")
            flat.append(item)
        else:
            stack.pop()
    return flat


def _json_value(name: str, datatype: str, value: Any) -> Any:
    """Check one JSON element against the datatype; None marks a missing value."""
    if value is None:
        return None
    if datatype == "BYTES":
        ok = isinstance(value, str)
    elif datatype == "BOOL":
        ok = isinstance(value, bool)
    elif isinstance(value, bool) or not isinstance(value, int | float):
        ok = False
    elif datatype in INTEGERS:
        ok = isinstance(value, int) or (math.isfinite(value) and value.is_integer())
        if ok:
            value = int(value)
            limits = np.iinfo(np.dtype(DATATYPES[datatype]))
            ok = int(limits.min) <= value <= int(limits.max)
    else:
        return None if isinstance(value, float) and math.isnan(value) else value
    if not ok:
        raise BadRequestError(
            f"input {name!r}: {_shown(value)} is not a {datatype} value"
        )
    return value


def from_json(name: str, datatype: str, shape: Sequence[int], data: Any) -> Tensor:
    """Build a tensor from JSON data given flat or nested.

    Raises:
        BadRequestError: unknown datatype, ill-typed elements, or a data
            length that does not match the shape.
    """
    _check_datatype(name, datatype)
    flat = _flatten(name, data)
    if len(flat) != math.prod(shape):
        raise BadRequestError(
            f"input {name!r}: shape {list(shape)} needs {math.prod(shape)} "
            f"element(s), data holds {len(flat)}"
        )
    values = [_json_value(name, datatype, value) for value in flat]
    return Tensor(name, datatype, tuple(shape), values)


def _check_datatype(name: str, datatype: str) -> None:
    if datatype not in DATATYPES:
        raise BadRequestError(
            f"input {name!r}: unknown datatype {_shown(datatype)}; "
            f"expected one of {', '.join(DATATYPES)}"
        )


def _decode_bytes(name: str, raw: bytes, count: int) -> list[Any]:
    """Split [4-byte little-endian length][bytes] items; decode them as UTF-8."""
    values: list[Any] = []
    offset, view = 0, memoryview(raw)
    while offset < len(raw):
        if offset + _LENGTH_PREFIX > len(raw):
            raise BadRequestError(f"input {name!r}: BYTES data ends inside a length")
        size = int.from_bytes(view[offset : offset + _LENGTH_PREFIX], "little")
        offset += _LENGTH_PREFIX
        if offset + size > len(raw):
            raise BadRequestError(f"input {name!r}: BYTES item overruns the data")
        try:
            values.append(str(view[offset : offset + size], "utf-8"))
        except UnicodeDecodeError:
            raise BadRequestError(f"input {name!r}: BYTES item is not UTF-8") from None
        offset += size
    if len(values) != count:
        raise BadRequestError(
            f"input {name!r}: shape needs {count} element(s), "
            f"binary data holds {len(values)}"
        )
    return values


def decode_binary(name: str, datatype: str, shape: Sequence[int], raw: bytes) -> Tensor:
    """Build a tensor from raw little-endian bytes (the binary extension).

    Raises:
        BadRequestError: unknown datatype or a byte count that does not match.
    """
    _check_datatype(name, datatype)
    count = math.prod(shape)
    dtype = DATATYPES[datatype]
    if dtype is None:
        return Tensor(name, datatype, tuple(shape), _decode_bytes(name, raw, count))
    expected = count * np.dtype(dtype).itemsize
    if len(raw) != expected:
        raise BadRequestError(
            f"input {name!r}: shape {list(shape)} of {datatype} needs {expected} "
            f"byte(s), binary data holds {len(raw)}"
        )
    array = np.frombuffer(raw, dtype=dtype)
    if datatype == "BF16":
        array = (array.astype("<u4") << 16).view("<f4")
    values = array.tolist()
    if datatype in FLOATS:
        values = [None if math.isnan(value) else value for value in values]
    return Tensor(name, datatype, tuple(shape), values)


def encode_binary(tensor: Tensor) -> bytes:
    """Return a tensor's data as raw little-endian bytes (the binary extension)."""
    dtype = DATATYPES[tensor.datatype]
    if dtype is None:
        items = [
            value if isinstance(value, bytes) else str(value or "").encode()
            for value in tensor.data
        ]
        return b"".join(
            len(item).to_bytes(_LENGTH_PREFIX, "little") + item for item in items
        )
    if tensor.datatype in FLOATS:
        values = [math.nan if value is None else value for value in tensor.data]
        if tensor.datatype == "BF16":
            return (np.asarray(values, "<f4").view("<u4") >> 16).astype("<u2").tobytes()
        return np.asarray(values, dtype=dtype).tobytes()
    return np.asarray(tensor.data, dtype=dtype).tobytes()


def _check_column(tensor: Tensor, rules: Mapping[str, Any]) -> None:
    if len(tensor.shape) not in (1, 2) or tensor.shape[1:] not in ((), (1,)):
        raise BadRequestError(
            f"input {tensor.name!r}: shape {list(tensor.shape)} is not a column; "
            "send one tensor per field, shaped [N] or [N, 1]"
        )
    if tensor.datatype not in accepted_datatypes(rules):
        raise BadRequestError(
            f"input {tensor.name!r}: datatype {tensor.datatype} does not fit field "
            f"{tensor.name!r} of type {rules.get('type')!r}; "
            f"send {schema_datatype(rules)}"
        )


def _input_columns(
    tensors: Sequence[Tensor], schema: Mapping[str, Mapping[str, Any]]
) -> tuple[list[Tensor], int]:
    """Return the tensors naming schema fields, checked, and their row count.

    Raises:
        BadRequestError: a required tensor is missing, or a tensor does not
            fit its field (shape, datatype, a row count unlike the others).
    """
    unknown = [tensor.name for tensor in tensors if tensor.name not in schema]
    if unknown:
        raise BadRequestError(
            f"unknown input(s) {', '.join(map(repr, unknown))}; the model's "
            f"inputs: {', '.join(schema)}"
        )
    columns = list(tensors)
    names = {tensor.name for tensor in columns}
    if len(names) < len(columns):
        counts = Counter(tensor.name for tensor in columns)
        twice = [name for name, count in counts.items() if count > 1]
        raise BadRequestError(
            f"input {twice[0]!r} is sent more than once; send one tensor per input"
        )
    missing = [
        f for f, rules in schema.items() if rules.get("required") and f not in names
    ]
    if missing:
        raise BadRequestError(
            f"input {missing[0]!r} is missing; the model requires "
            f"{', '.join(map(repr, missing))}"
        )
    if not columns:
        raise BadRequestError(
            f"the request has no inputs; the model's inputs: {', '.join(schema)}"
        )
    rows = columns[0].shape[0] if columns[0].shape else 0
    for tensor in columns:
        _check_column(tensor, schema[tensor.name])
        if tensor.shape[0] != rows:
            raise BadRequestError(
                f"input {tensor.name!r} has {tensor.shape[0]} row(s), "
                f"input {columns[0].name!r} has {rows}"
            )
    return columns, rows


def _records(
    columns: Sequence[Tensor], rows: int, schema: Mapping[str, Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Turn column tensors into records: a missing value is null or left out."""
    records: list[dict[str, Any]] = [{} for _ in range(rows)]
    for tensor in columns:
        nullable = bool(schema[tensor.name].get("nullable"))
        for record, value in zip(records, tensor.data, strict=True):
            if value is None or (value == "" and nullable):
                if nullable:
                    record[tensor.name] = None
            else:
                record[tensor.name] = value
    return records


def to_records(
    tensors: Sequence[Tensor], schema: Mapping[str, Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Turn one column tensor per field into records (the pandas convention).

    An input the schema does not name is refused: a misspelt optional input
    would otherwise go missing without a word. A missing value (None, NaN,
    or "" in BYTES for a nullable field) becomes null for a nullable field
    and is left out otherwise.

    Raises:
        BadRequestError: a required tensor is missing, or a tensor does not
            fit its field (shape, datatype, a row count unlike the others).
    """
    columns, rows = _input_columns(tensors, schema)
    return _records(columns, rows, schema)


def to_batch(
    tensors: Sequence[Tensor], schema: Mapping[str, Mapping[str, Any]]
) -> InputBatch:
    """Turn one column tensor per field into the data plane's `InputBatch`.

    The rows are those `to_records` gives. When every schema field has a
    tensor and no row lacks a value, they stay columns (no dict per row).

    Raises:
        BadRequestError: as `to_records`.
    """
    columns, rows = _input_columns(tensors, schema)

    def records() -> list[dict[str, Any]]:
        return _records(columns, rows, schema)

    by_name = {tensor.name: tensor for tensor in columns}
    values: dict[str, list[Any]] = {}
    for name, rules in schema.items():
        tensor = by_name.get(name)
        if tensor is None:
            break
        if rules.get("nullable"):
            values[name] = [None if v is None or v == "" else v for v in tensor.data]
        elif any(value is None for value in tensor.data):
            break  # left out of its record: only the record form says so
        else:
            values[name] = list(tensor.data)
    else:
        return InputBatch.of_columns(values, rows, records)
    return InputBatch.of_rows(rows, len(columns), records)
