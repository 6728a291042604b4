"""Read request bodies into records; shape errors become 400s."""

from __future__ import annotations

from typing import Any

import falcon

from roost.core.errors import BadRequestError

__all__ = ["read_records", "wants_partial"]


def read_records(req: falcon.Request, *, allow_inputs_key: bool = True) -> list[Any]:
    """Return the records of a predict body: a list, or `{"inputs": [...]}`.

    Raises:
        BadRequestError: the body is not JSON of that shape, or empty.
    """
    if req.content_length in (None, 0) and not req.get_header("Transfer-Encoding"):
        raise BadRequestError("the request body is empty; send a JSON list of records")
    body = req.get_media()
    if allow_inputs_key and isinstance(body, dict):
        if set(body) - {"inputs", "parameters", "id"} or "inputs" not in body:
            raise BadRequestError(
                'the body must be a JSON list of records or {"inputs": [records]}'
            )
        body = body["inputs"]
    if not isinstance(body, list):
        raise BadRequestError("the body must be a JSON list of records")
    if not body:
        raise BadRequestError("the body holds no records")
    return body


def wants_partial(req: falcon.Request) -> bool:
    """Read the `partial` query flag (default false).

    Raises:
        falcon.HTTPInvalidParam: the flag is not a boolean.
    """
    return bool(req.get_param_as_bool("partial", default=False))
