"""Strict JSON intake: v1 predict bodies in, an `InputBatch` out."""

from __future__ import annotations

from typing import Any

import jiter
import orjson

from roost.core.errors import BadRequestError
from roost.core.serving.column_decoding import ColumnDecoder
from roost.core.serving.input_batch import InputBatch

__all__ = ["decode_records", "parse_json", "parse_with_jiter", "records_from"]

#: Keys a `{"inputs": [...]}` body may carry beside `inputs`.
_ENVELOPE_KEYS = frozenset({"inputs", "parameters", "id"})
_SHAPE = 'the body must be a JSON list of records or {"inputs": [records]}'


def parse_json(raw: bytes, *, allow_nan: bool = False) -> Any:
    """Parse JSON strictly.

    Rejects duplicate keys, lone surrogates, numbers too long to read,
    nesting deeper than the parser's recursion limit and, unless `allow_nan`
    (the V2 protocol's clients write NaN in float tensors), NaN and Infinity.

    Raises:
        BadRequestError: the bytes are not strict JSON.
    """
    if not raw.strip():
        raise BadRequestError("the request body is empty; send a JSON list of records")
    if not allow_nan:
        document = _parse_flat(raw)
        if document is not _NOT_FLAT:
            return document
    return parse_with_jiter(raw, allow_nan=allow_nan)


def parse_with_jiter(raw: bytes, *, allow_nan: bool = False) -> Any:
    """Parse any JSON strictly with jiter, as `parse_json` does for bodies not flat.

    Raises:
        BadRequestError: the bytes are not strict JSON.
    """
    try:
        # Caching string values too pays off: records repeat their labels.
        document = jiter.from_json(
            raw, allow_inf_nan=allow_nan, catch_duplicate_keys=True, cache_mode="all"
        )
    except ValueError as exc:
        raise BadRequestError(f"the body is not valid JSON: {exc}") from None
    # jiter reads 1e400 as inf; a walk over the parsed values is several
    # times cheaper than searching the text for long exponents.
    if not allow_nan and not _all_finite(document):
        raise BadRequestError("the body holds a number too large for a float")
    return document


_NOT_FLAT = object()
#: Digits become "0", so that one search finds any long run of them.
_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")
#: orjson reads integers outside [-2**63, 2**64) as floats; they have 19+ digits.
_LONG_DIGIT_RUN = b"0" * 19


def _parse_flat(raw: bytes) -> Any:
    """Parse a flat body with orjson, or return `_NOT_FLAT` to leave it to jiter.

    Flat means a list of records whose values are scalars, bare or as the
    list of a `{"inputs": [...]}` object: what predict bodies nearly always
    are. For those, orjson (about twice as fast) gives exactly jiter's result:
    it rejects NaN, Infinity, 1e400 and lone surrogates itself, and the
    checks below prove the rest from byte counts, without a walk:

    - every ":" outside strings ends one key, so a body with as many ":" as
      the parsed top-level objects hold entries has no duplicate key and no
      ":" in any string;
    - as many "{" and "[" as top-level objects and lists means nothing
      nested deeper;
    - no run of 19 digits means no integer orjson would turn into a float.

    Any doubt, and any orjson error, goes to jiter, whose messages stay.
    """
    if raw.translate(_DIGITS_TO_ZERO).find(_LONG_DIGIT_RUN) >= 0:
        return _NOT_FLAT
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return _NOT_FLAT
    if type(document) is dict:
        objects, entries, top = 1, len(document), list(document.values())
    else:
        objects, entries, top = 0, 0, [document]
    lists = 0
    for value in top:
        if type(value) is list:
            lists += 1
            records = [item for item in value if type(item) is dict]
            objects += len(records)
            entries += sum(map(len, records))
        elif type(value) is dict:
            return _NOT_FLAT
    if (
        raw.count(b":") != entries
        or raw.count(b"{") != objects
        or raw.count(b"[") != lists
    ):
        return _NOT_FLAT
    return document


def _all_finite(document: Any) -> bool:
    """Say whether every float in a parsed document is finite."""
    stack = [document]
    while stack:
        node = stack.pop()
        kind = type(node)
        values = node.values() if kind is dict else node if kind is list else (node,)
        for value in values:
            kind = type(value)
            if kind is float:
                if value - value != 0:  # inf - inf and nan - nan are nan
                    return False
            elif kind is dict or kind is list:
                stack.append(value)
    return True


def records_from(document: Any, *, allow_envelope: bool = True) -> list[Any]:
    """Return the records of a predict body: a list, or `{"inputs": [...]}`.

    How many records and fields are allowed is the data plane's business
    (`roost.core.serving.limits`), for every protocol alike.

    Raises:
        BadRequestError: the document has another shape.
    """
    if allow_envelope and isinstance(document, dict):
        if "inputs" not in document or set(document) - _ENVELOPE_KEYS:
            raise BadRequestError(_SHAPE)
        document = document["inputs"]
    if not isinstance(document, list):
        raise BadRequestError(
            _SHAPE if allow_envelope else "the body must be a JSON list of records"
        )
    return document


def decode_records(
    raw: bytes, decoder: ColumnDecoder | None = None, *, allow_envelope: bool = True
) -> InputBatch:
    """Decode a v1 predict body into an `InputBatch`.

    With the model's `decoder`, bodies of complete flat records go straight
    into columns (`roost.core.serving.column_decoding`); any other body is
    parsed strictly into records, with the same errors either way.

    Raises:
        BadRequestError: the body is not strict JSON or not records.
    """

    def strict() -> list[Any]:
        return records_from(parse_json(raw), allow_envelope=allow_envelope)

    if decoder is not None:
        batch = decoder.decode(raw, strict)
        if batch is not None:
            return batch
    return InputBatch.of_records(strict())
