"""MLServer's content types: decode codec-marked V2 inputs into plain columns.

MLServer's codecs mark what a tensor holds in `parameters.content_type`, on
the request (how its inputs make one payload) and on each input (how its
elements are written). roost decodes them as MLServer does, into the tensors
a plain client would have sent, one column per schema field:

- request `pd` (or none): one tensor per field, by name;
- request `np`: one [N, F] array whose F columns are the schema's fields, in
  order (the input's name is not read: MLServer's codec names it `input-1`);
- input `str`, `np`: read as sent;
- input `pd_json`: each element is a JSON document holding one value;
- input `base64`: each element is base64 of UTF-8 text (text that is not
  base64 is refused, where MLServer would pass it on as it is).

Anything else is refused, naming the content type, rather than read as
plain data (which gives errors about values the client never meant).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import jiter

from roost.core.errors import BadRequestError
from roost.core.serving.tensors import Tensor, schema_datatype

__all__ = ["INPUT_CONTENT_TYPES", "REQUEST_CONTENT_TYPES", "decode"]

#: Request-level content types: tensors by field name, or one array.
REQUEST_CONTENT_TYPES = ("pd", "np")
#: Input-level content types roost reads.
INPUT_CONTENT_TYPES = ("str", "np", "pd_json", "base64")
_SHOWN = 40


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


def _content_type(value: Any, allowed: Sequence[str], where: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, str) and value in allowed:
        return value
    raise BadRequestError(
        f"{where}content_type {_shown(value)} is not supported; roost reads "
        f"{', '.join(map(repr, allowed))}"
    )


def _elements(
    tensor: Tensor, content_type: str, decode: Callable[[str], Any]
) -> list[Any]:
    """Decode each string element of a BYTES tensor; None stays missing."""
    if tensor.datatype != "BYTES":
        raise BadRequestError(
            f"input {tensor.name!r}: content_type {content_type!r} needs BYTES "
            f"data, not {tensor.datatype}"
        )
    values = []
    for index, element in enumerate(tensor.data):
        try:
            values.append(None if element is None else decode(element))
        except ValueError as exc:
            raise BadRequestError(
                f"input {tensor.name!r}: element {index} ({_shown(element)}) "
                f"cannot be read as {content_type}: {exc}"
            ) from None
    return values


def _json_value(text: str) -> Any:
    """Read one JSON scalar; NaN marks a missing value, as in numeric tensors."""
    value = jiter.from_json(text.encode(), allow_inf_nan=True)
    if isinstance(value, dict | list):
        raise ValueError("roost reads one value per row, not an object or array")
    return None if isinstance(value, float) and math.isnan(value) else value


def _utf8_base64(text: str) -> str:
    """Decode base64 to UTF-8 text (MLServer's codec encodes bytes; roost, text)."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error):
        raise ValueError("it is not valid base64") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("its bytes are not UTF-8 text") from None


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "BOOL"
    if isinstance(value, int):
        return "INT64"
    return "FP64" if isinstance(value, float) else "BYTES"


def _json_datatype(
    tensor: Tensor, values: Sequence[Any], rules: Mapping[str, Any]
) -> str:
    """Name the datatype that carries the decoded values (a column of one kind)."""
    kinds = {_kind(value) for value in values if value is not None}
    if kinds == {"INT64", "FP64"}:
        return "FP64"
    if len(kinds) > 1:
        raise BadRequestError(
            f"input {tensor.name!r}: pd_json values mix {', '.join(sorted(kinds))}; "
            "send one kind of value per input"
        )
    return kinds.pop() if kinds else schema_datatype(rules)


def _decode_input(tensor: Tensor, rules: Mapping[str, Any]) -> Tensor:
    """Return the plain tensor one marked input stands for."""
    where = f"input {tensor.name!r}: "
    match _content_type(
        tensor.parameters.get("content_type"), INPUT_CONTENT_TYPES, where
    ):
        case "pd_json":
            values = _elements(tensor, "pd_json", _json_value)
            datatype = _json_datatype(tensor, values, rules)
            return dataclasses.replace(tensor, datatype=datatype, data=values)
        case "base64":
            values = _elements(tensor, "base64", _utf8_base64)
            return dataclasses.replace(tensor, data=values)
        case _:
            return tensor


def _array_columns(
    tensors: Sequence[Tensor], schema: Mapping[str, Mapping[str, Any]]
) -> list[Tensor]:
    """Split the one [N, F] input of an `np` request into the schema's F fields."""
    if len(tensors) != 1:
        raise BadRequestError(
            f"content_type 'np' reads one input tensor; the request has {len(tensors)}"
        )
    (array,) = tensors
    fields = list(schema)
    shape = array.shape
    width = shape[1] if len(shape) == 2 else 1
    if len(shape) not in (1, 2) or width != len(fields):
        raise BadRequestError(
            f"input {array.name!r}: an 'np' request sends one [N, {len(fields)}] "
            f"array, a column per field ({', '.join(fields)}); "
            f"shape {list(shape)} is not"
        )
    rows = shape[0]
    return [
        Tensor(field, array.datatype, (rows,), array.data[column::width])
        for column, field in enumerate(fields)
    ]


def decode(
    tensors: Sequence[Tensor],
    schema: Mapping[str, Mapping[str, Any]],
    content_type: Any = None,
) -> list[Tensor]:
    """Decode a request's content types into one plain tensor per field.

    `content_type` is the request's; each tensor's own is in its parameters.

    Raises:
        BadRequestError: an unknown content type, or data that its content
            type does not describe (bad base64 or JSON, a wrong shape).
    """
    request_type = _content_type(content_type, REQUEST_CONTENT_TYPES, "")
    decoded = [_decode_input(tensor, schema.get(tensor.name, {})) for tensor in tensors]
    return _array_columns(decoded, schema) if request_type == "np" else decoded
