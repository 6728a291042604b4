"""Read V2 inference requests: JSON, or JSON plus raw tensor bytes (binary data)."""

from __future__ import annotations

import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import falcon

from roost.controllers.bodies import is_json, read_body
from roost.core.errors import BadRequestError, PayloadTooLargeError
from roost.core.serving import tensors
from roost.core.serving.intake import parse_json
from roost.core.serving.limits import IntakeLimits
from roost.core.serving.tensors import Tensor

__all__ = [
    "HEADER_LENGTH",
    "InferenceRequest",
    "RequestedOutput",
    "parse_inference_request",
    "read_inference_request",
]

#: The binary tensor data extension's header: bytes of JSON before the tensors.
HEADER_LENGTH = "Inference-Header-Content-Length"
#: Content-Encoding -> zlib window bits ("deflate" is the zlib format).
_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}
_BYTE_COUNT = re.compile(r"[0-9]{1,18}")


@dataclass(frozen=True)
class RequestedOutput:
    """An output the client asked for; `binary` is None when it did not say."""

    name: str
    binary: bool | None = None


@dataclass(frozen=True)
class InferenceRequest:
    """A parsed V2 inference request with its tensors read, content types not."""

    inputs: list[Tensor]
    id: str | None = None
    parameters: Mapping[str, Any] = field(default_factory=dict)
    outputs: list[RequestedOutput] | None = None
    binary_output: bool = False


def read_inference_request(
    req: falcon.Request, limits: IntakeLimits
) -> InferenceRequest:
    """Read and parse the body of a V2 inference request.

    The raw stream is read (not Falcon's JSON media) because a binary
    request is JSON followed by tensor bytes. Both the body and its inflated
    form are bounded by `limit` bytes.

    A request is JSON (a JSON content type, or none) unless it carries the
    binary extension's header, which makes it binary whatever its type.

    Raises:
        falcon.HTTPUnsupportedMediaType: neither JSON nor the binary header.
        BadRequestError: the body, its encoding or its header are malformed.
        PayloadTooLargeError: the body, or its inflated form, is over `limit`.
    """
    if req.get_header(HEADER_LENGTH) is None and not is_json(req.content_type):
        raise falcon.HTTPUnsupportedMediaType(
            title="Unsupported media type",
            description=(
                f"send JSON with Content-Type: {falcon.MEDIA_JSON}, or binary "
                f"tensors with the {HEADER_LENGTH} header"
            ),
        )
    limit = limits.max_body_bytes
    body = read_body(req, limit, limits.body_timeout)
    encoding = (req.get_header("Content-Encoding") or "identity").strip().lower()
    if encoding in _WBITS:
        body = _inflate(body, encoding, limit)
    elif encoding != "identity":
        raise BadRequestError(f"unsupported Content-Encoding {encoding!r}")
    return parse_inference_request(body, req.get_header(HEADER_LENGTH))


def _inflate(body: bytes, encoding: str, limit: int) -> bytes:
    """Decompress a gzip or deflate body, refusing one that inflates too far."""
    inflater = zlib.decompressobj(_WBITS[encoding])
    try:
        data = inflater.decompress(body, limit)
    except zlib.error as exc:
        raise BadRequestError(f"cannot decompress the {encoding} body") from exc
    if inflater.unconsumed_tail:
        raise PayloadTooLargeError(
            f"the body inflates beyond {limit} bytes (ROOST_MAX_BODY_BYTES)"
        )
    if not inflater.eof:
        raise BadRequestError(f"the {encoding} body is truncated")
    return data


def _header_length(text: str | None, size: int) -> int:
    if text is None:
        return size
    if not _BYTE_COUNT.fullmatch(text.strip()) or int(text) > size:
        raise BadRequestError(
            f"{HEADER_LENGTH} must be a byte count within the body's {size} byte(s)"
        )
    return int(text)


def _load_json(raw: bytes) -> Any:
    """Parse JSON strictly, but with NaN and Infinity (which tritonclient writes)."""
    if not raw:
        raise BadRequestError("the request body is empty; send an inference request")
    return parse_json(raw, allow_nan=True)


def _mapping(value: Any, what: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadRequestError(f"{what} must be an object")
    return value


def _flag(parameters: Mapping[str, Any], key: str, what: str) -> bool | None:
    value = parameters.get(key)
    if value is not None and not isinstance(value, bool):
        raise BadRequestError(f"{what} parameter {key!r} must be true or false")
    return value


def _shape(name: str, shape: Any) -> tuple[int, ...]:
    if not isinstance(shape, list) or not all(
        isinstance(dim, int) and not isinstance(dim, bool) and dim >= 0 for dim in shape
    ):
        raise BadRequestError(
            f"input {name!r}: shape must be a list of non-negative integers"
        )
    return tuple(shape)


def _size(name: str, parameters: Mapping[str, Any]) -> int | None:
    size = parameters.get("binary_data_size")
    if size is None:
        return None
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise BadRequestError(f"input {name!r}: binary_data_size must be a count")
    return size


def _input(item: Any, index: int, binary: memoryview, offset: int) -> Tensor:
    """Decode one request input; binary ones read their bytes at `offset`."""
    if not isinstance(item, dict):
        raise BadRequestError(f"inputs[{index}] must be an object")
    name = item.get("name")
    if not isinstance(name, str) or not name:
        raise BadRequestError(f"inputs[{index}] needs a name")
    datatype = item.get("datatype")
    if not isinstance(datatype, str):
        raise BadRequestError(f"input {name!r}: datatype must be a string")
    shape = _shape(name, item.get("shape"))
    parameters = _mapping(item.get("parameters"), f"input {name!r} parameters")
    size = _size(name, parameters)
    if size is None:
        if "data" not in item:
            raise BadRequestError(f"input {name!r} has no data")
        tensor = tensors.from_json(name, datatype, shape, item["data"])
    elif "data" in item:
        raise BadRequestError(f"input {name!r} has both data and binary_data_size")
    elif offset + size > len(binary):
        raise BadRequestError(
            f"input {name!r}: binary_data_size {size} overruns the binary data"
        )
    else:
        raw = bytes(binary[offset : offset + size])
        tensor = tensors.decode_binary(name, datatype, shape, raw)
    # NOTE: the content type in the parameters is decoded later, by core.
    return replace(tensor, parameters=parameters)


def _outputs(value: Any) -> list[RequestedOutput] | None:
    """Read the requested outputs; none, or an empty list, means all of them."""
    if value is None or value == []:
        return None
    if not isinstance(value, list):
        raise BadRequestError("outputs must be a list")
    outputs = []
    for index, item in enumerate(value):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise BadRequestError(f"outputs[{index}] must be an object with a name")
        what = f"output {item['name']!r}"
        parameters = _mapping(item.get("parameters"), f"{what} parameters")
        outputs.append(
            RequestedOutput(item["name"], _flag(parameters, "binary_data", what))
        )
    return outputs


def parse_inference_request(
    body: bytes, header_length: str | None = None
) -> InferenceRequest:
    """Parse a request body: JSON, then tensor bytes when `header_length` is set.

    Raises:
        BadRequestError: the body does not follow the inference request
            schema or the binary tensor data extension.
    """
    split = _header_length(header_length, len(body))
    document = _load_json(body[:split])
    if not isinstance(document, dict):
        raise BadRequestError("the inference request must be a JSON object")
    request_id = document.get("id")
    if request_id is not None and not isinstance(request_id, str):
        raise BadRequestError("id must be a string")
    parameters = _mapping(document.get("parameters"), "parameters")
    items = document.get("inputs")
    if not isinstance(items, list) or not items:
        raise BadRequestError("inputs must be a non-empty list of tensors")
    binary, offset, inputs = memoryview(body)[split:], 0, []
    for index, item in enumerate(items):
        tensor = _input(item, index, binary, offset)
        offset += _size(tensor.name, item.get("parameters") or {}) or 0
        inputs.append(tensor)
    if offset != len(binary):
        raise BadRequestError(
            f"the body holds {len(binary) - offset} byte(s) of binary data "
            "that no input claims"
        )
    names = [tensor.name for tensor in inputs]
    if len(set(names)) != len(names):
        raise BadRequestError("two inputs share a name")
    return InferenceRequest(
        inputs=inputs,
        id=request_id,
        parameters=parameters,
        outputs=_outputs(document.get("outputs")),
        binary_output=bool(_flag(parameters, "binary_data_output", "request")),
    )
