"""Read request bodies: media type, size limits, then core's strict intake."""

from __future__ import annotations

from typing import Any

import falcon

from roost.core.errors import BadRequestError, PayloadTooLargeError
from roost.core.serving.intake import parse_json
from roost.core.serving.limits import IntakeLimits

__all__ = ["is_json", "read_body", "read_json", "read_json_bytes", "wants_partial"]

_READ_CHUNK = 1024 * 1024


def is_json(content_type: str | None) -> bool:
    """Say whether a Content-Type names JSON (no header counts as JSON)."""
    if not content_type:
        return True  # no header: read the body as JSON, as most clients mean it
    media = content_type.split(";", 1)[0].strip().lower()
    return media == falcon.MEDIA_JSON or media.endswith("+json")


def _read(stream: Any, size: int, timeout: float) -> bytes:
    """Read from the request stream; a malformed or late body is the client's error.

    The worker bounds the whole body read (`ROOST_BODY_TIMEOUT`, counted from
    the end of the headers) and fails a read past it with `TimeoutError`.
    """
    try:
        return bytes(stream.read(size))
    except TimeoutError:
        raise falcon.HTTPError(
            falcon.HTTP_408,
            title="Request timeout",
            description=(
                f"the body did not arrive within {timeout:g} s of the headers "
                "(ROOST_BODY_TIMEOUT)"
            ),
        ) from None
    except Exception as exc:  # noqa: BLE001 - the server's parser errors vary (bad chunks)
        raise BadRequestError(
            f"the body could not be read: {type(exc).__name__}"
        ) from None


def read_body(req: falcon.Request, limit: int, timeout: float = 10.0) -> bytes:
    """Read at most `limit` bytes of body, chunked too.

    `timeout` is the body deadline the worker enforces, named in the 408.

    Raises:
        PayloadTooLargeError: the declared or the actual size is over `limit`.
        falcon.HTTPError: 408 when the client sends the body too slowly.
    """
    declared = req.content_length
    if declared is not None and declared > limit:
        raise PayloadTooLargeError(
            f"the body declares {declared} bytes; at most {limit} are allowed "
            "(ROOST_MAX_BODY_BYTES)"
        )
    # Falcon bounds its stream by Content-Length, which a chunked body lacks;
    # gunicorn's own input ends at the last chunk.
    chunked = declared is None and bool(req.get_header("Transfer-Encoding"))
    stream = req.stream if chunked else req.bounded_stream
    chunks: list[bytes] = []
    size = 0
    while chunk := _read(stream, min(_READ_CHUNK, limit + 1 - size), timeout):
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            raise PayloadTooLargeError(
                f"the body is over {limit} bytes (ROOST_MAX_BODY_BYTES)"
            )
    return b"".join(chunks)


def read_json_bytes(req: falcon.Request, limits: IntakeLimits) -> bytes:
    """Read a body sent as JSON, not yet parsed.

    Raises:
        falcon.HTTPUnsupportedMediaType: the content type is not JSON.
        PayloadTooLargeError: over the size limit.
    """
    if not is_json(req.content_type):
        raise falcon.HTTPUnsupportedMediaType(
            title="Unsupported media type",
            description=f"send JSON with Content-Type: {falcon.MEDIA_JSON}",
        )
    return read_body(req, limits.max_body_bytes, limits.body_timeout)


def read_json(req: falcon.Request, limits: IntakeLimits) -> Any:
    """Read and strictly parse a JSON body.

    Raises:
        falcon.HTTPUnsupportedMediaType: the content type is not JSON.
        PayloadTooLargeError: over the size limit.
        BadRequestError: not strict JSON.
    """
    return parse_json(read_json_bytes(req, limits))


def wants_partial(req: falcon.Request) -> bool:
    """Read the `partial` query flag (default false).

    Raises:
        falcon.HTTPInvalidParam: the flag is not a boolean.
    """
    return bool(req.get_param_as_bool("partial", default=False))


def requested_outputs(req: falcon.Request) -> list[str] | None:
    """Read the `outputs` query parameter: output names, comma-separated.

    The parameter may also be repeated. Absent or empty means every
    declared output.
    """
    values = req.get_param_as_list("outputs", default=None) or []
    chosen = [
        name.strip() for value in values for name in value.split(",") if name.strip()
    ]
    return chosen or None
