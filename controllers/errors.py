"""Map core errors to HTTP statuses and render every error body one way."""

from __future__ import annotations

import logging
from typing import Any

import falcon
import orjson

from roost.core.errors import (
    AdapterError,
    AdapterNotFoundError,
    AdapterNotReadyError,
    AuthenticationError,
    BadRequestError,
    DeadlineExceededError,
    DefaultModelError,
    KeyScopeError,
    OverloadedError,
    PayloadTooLargeError,
    PredictionError,
    RequestValidationError,
    RoostError,
)
from roost.core.runtime.refusals import render_refusals_with
from roost.views.errors import render_error

__all__ = ["STATUS_BY_ERROR", "install_error_handlers"]

logger = logging.getLogger(__name__)

#: The one table from core error class to HTTP status.
STATUS_BY_ERROR: dict[type[RoostError], int] = {
    BadRequestError: 400,
    AuthenticationError: 401,
    KeyScopeError: 403,
    AdapterNotFoundError: 404,
    PayloadTooLargeError: 413,
    RequestValidationError: 422,
    AdapterError: 422,
    PredictionError: 500,
    AdapterNotReadyError: 503,
    DefaultModelError: 503,
    OverloadedError: 503,
    DeadlineExceededError: 504,
}


def _request_id(req: falcon.Request) -> str | None:
    return getattr(req.context, "request_id", None)


def _status_for(error: RoostError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    return 500


def handle_roost_error(
    req: falcon.Request, resp: falcon.Response, error: RoostError, params: Any
) -> None:
    """Render a core error with its mapped status."""
    status = _status_for(error)
    if status == 503:
        logger.warning("%s %s: %s", req.method, req.path, error)
    elif status >= 500:
        logger.error("%s %s failed: %s", req.method, req.path, error)
    resp.status = status
    problems = error.problems if isinstance(error, RequestValidationError) else None
    resp.media = render_error(
        error.title, error.message, problems=problems, request_id=_request_id(req)
    )
    if isinstance(error, AdapterNotReadyError):
        resp.set_header("Retry-After", "30")
    elif isinstance(error, OverloadedError):
        resp.set_header("Retry-After", str(error.retry_after))
    elif isinstance(error, AuthenticationError):
        resp.set_header("WWW-Authenticate", _bearer_challenge(error))


def _bearer_challenge(error: AuthenticationError) -> str:
    """Ask for a bearer token (RFC 6750); say so when the one sent is invalid."""
    challenge = 'Bearer realm="roost"'
    return f'{challenge}, error="invalid_token"' if error.presented else challenge


def handle_unexpected(
    req: falcon.Request, resp: falcon.Response, error: Exception, params: Any
) -> None:
    """Log a bug with its request id and answer a plain 500."""
    logger.exception("unhandled error on %s %s", req.method, req.path)
    resp.status = 500
    resp.media = render_error(
        "Internal server error",
        "the server failed to handle this request; see its log for the request id",
        request_id=_request_id(req),
    )


def serialize_http_error(
    req: falcon.Request, resp: falcon.Response, error: falcon.HTTPError
) -> None:
    """Render Falcon's own errors (404, 405, malformed JSON...) in roost's shape."""
    message = error.description or f"{error.title}: {req.method} {req.path[:200]}"
    resp.content_type = falcon.MEDIA_JSON
    resp.media = render_error(
        str(error.title), str(message), request_id=_request_id(req)
    )


def _refusal_body(title: str, message: str) -> bytes:
    """The body of a request gunicorn refuses before the app sees it (414, 431...)."""
    return orjson.dumps(render_error(title, message))


def install_error_handlers(app: falcon.App[falcon.Request, falcon.Response]) -> None:
    """Register roost's handlers; the most specific class wins in Falcon.

    gunicorn's own refusals of requests it cannot parse get the same shape.
    """
    app.add_error_handler(Exception, handle_unexpected)
    app.add_error_handler(RoostError, handle_roost_error)
    app.set_error_serializer(serialize_http_error)
    render_refusals_with(_refusal_body)
