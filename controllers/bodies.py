"""Read request bodies: media type, size limits, then core's strict intake."""

from __future__ import annotations

from typing import Any

import falcon

from roost.core.errors import PayloadTooLargeError
from roost.core.intake import IntakeLimits, parse_json, records_from

__all__ = ["read_body", "read_json", "read_records", "wants_partial"]

_READ_CHUNK = 64 * 1024


def _is_json(content_type: str | None) -> bool:
    if not content_type:
        return True  # no header: read the body as JSON, as most clients mean it
    media = content_type.split(";", 1)[0].strip().lower()
    return media == falcon.MEDIA_JSON or media.endswith("+json")


def read_body(req: falcon.Request, limit: int) -> bytes:
    """Read at most `limit` bytes of body, chunked transfers included.

    Raises:
        PayloadTooLargeError: the declared or the actual size is over `limit`.
    """
    declared = req.content_length
    if declared is not None and declared > limit:
        raise PayloadTooLargeError(
            f"the body declares {declared} bytes; at most {limit} are allowed "
            "(ROOST_MAX_BODY_BYTES)"
        )
    stream = req.bounded_stream
    chunks: list[bytes] = []
    size = 0
    while chunk := stream.read(min(_READ_CHUNK, limit + 1 - size)):
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            raise PayloadTooLargeError(
                f"the body is over {limit} bytes (ROOST_MAX_BODY_BYTES)"
            )
    return b"".join(chunks)


def read_json(req: falcon.Request, limits: IntakeLimits) -> Any:
    """Read and strictly parse a JSON body.

    Raises:
        falcon.HTTPUnsupportedMediaType: the content type is not JSON.
        PayloadTooLargeError: over the size limit.
        BadRequestError: not strict JSON.
    """
    if not _is_json(req.content_type):
        raise falcon.HTTPUnsupportedMediaType(
            title="Unsupported media type",
            description=f"send JSON with Content-Type: {falcon.MEDIA_JSON}",
        )
    return parse_json(read_body(req, limits.max_body_bytes))


def read_records(
    req: falcon.Request, limits: IntakeLimits, *, allow_envelope: bool = True
) -> list[Any]:
    """Read a predict body's records (see `roost.core.intake.records_from`)."""
    return records_from(read_json(req, limits), limits, allow_envelope=allow_envelope)


def wants_partial(req: falcon.Request) -> bool:
    """Read the `partial` query flag (default false).

    Raises:
        falcon.HTTPInvalidParam: the flag is not a boolean.
    """
    return bool(req.get_param_as_bool("partial", default=False))
