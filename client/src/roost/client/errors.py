"""Typed errors: one class per way a roost request fails, built from the answer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from roost.client.problems import Problems, parse_problems

__all__ = [
    "APIError",
    "BadRequestError",
    "InputRejectedError",
    "ModelNotFoundError",
    "PayloadTooLargeError",
    "RoostClientError",
    "RoostConnectionError",
    "ServerError",
    "ServiceUnavailableError",
    "UnexpectedAnswerError",
    "ValidationError",
    "error_from_response",
]


class RoostClientError(Exception):
    """Base of every error the roost client raises."""


class RoostConnectionError(RoostClientError):
    """The server could not be reached or did not answer in time."""


class UnexpectedAnswerError(RoostClientError):
    """The server answered success in a shape this client cannot read."""


class APIError(RoostClientError):
    """The server answered with an error status.

    Attributes:
        status: the HTTP status.
        title: the server's short title, e.g. "Validation failed".
        message: the server's human message.
        request_id: the id the server logged the request under, if it gave one.
        body: the decoded JSON body (None when the body was not JSON).
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        title: str = "",
        request_id: str | None = None,
        body: Any = None,
    ) -> None:
        self.status = status
        self.title = title
        self.message = message
        self.request_id = request_id
        self.body = body
        heading = f"{status} {title}".strip()
        super().__init__(f"{heading}: {message}")


class BadRequestError(APIError):
    """The request was malformed (400) or otherwise refused as sent (4xx)."""


class ModelNotFoundError(APIError):
    """No such model, or no such version of it (404)."""


class PayloadTooLargeError(APIError):
    """The request is over the server's size limits (413)."""


class ValidationError(APIError):
    """One or more records failed the model's input schema (422).

    Attributes:
        problems: record position -> field -> reasons, for every failing record.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        problems: Problems,
        title: str = "",
        request_id: str | None = None,
        body: Any = None,
    ) -> None:
        super().__init__(status, message, title=title, request_id=request_id, body=body)
        self.problems = problems


class InputRejectedError(APIError):
    """The model refused valid records by its own rules (422, no field problems)."""


class ServiceUnavailableError(APIError):
    """The model or server cannot answer now (503), after any retries.

    Attributes:
        retry_after: the seconds the server asked to wait, if it said.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        retry_after: float | None,
        title: str = "",
        request_id: str | None = None,
        body: Any = None,
    ) -> None:
        super().__init__(status, message, title=title, request_id=request_id, body=body)
        self.retry_after = retry_after


class ServerError(APIError):
    """The server failed (5xx): a bug, a broken model or a deadline."""


def error_from_response(
    status: int, body: Any, *, text: str = "", retry_after: float | None = None
) -> APIError:
    """Build the typed error for an error answer.

    Args:
        status: the HTTP status, 400 or more.
        body: the decoded JSON body, or None when it was not JSON.
        text: the raw body, used as the message when it was not JSON.
        retry_after: the parsed Retry-After header, for 503.
    """
    fields: Mapping[str, Any] = body if isinstance(body, Mapping) else {}
    message = str(fields.get("error") or text.strip()[:500] or "no message")
    common: dict[str, Any] = {
        "title": str(fields.get("title") or ""),
        "request_id": fields.get("request_id"),
        "body": body,
    }
    if status == 422:
        problems = parse_problems(fields.get("errors"))
        if problems:
            return ValidationError(status, message, problems=problems, **common)
        return InputRejectedError(status, message, **common)
    if status == 503:
        return ServiceUnavailableError(
            status, message, retry_after=retry_after, **common
        )
    error_class = {404: ModelNotFoundError, 413: PayloadTooLargeError}.get(status)
    if error_class is None:
        error_class = ServerError if status >= 500 else BadRequestError
    return error_class(status, message, **common)
