"""Errors raised by roost's core and by adapters; none of them knows HTTP."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from roost.core.quoting import short_repr

__all__ = [
    "AdapterError",
    "AdapterNotFoundError",
    "AdapterNotReadyError",
    "ArtifactError",
    "AuthenticationError",
    "BadRequestError",
    "DeadlineExceededError",
    "KeyScopeError",
    "OverloadedError",
    "PayloadTooLargeError",
    "PredictionError",
    "RequestValidationError",
    "RoostError",
    "ServerControlError",
]

#: Record index -> field name -> reasons.
ProblemMap = Mapping[int, Mapping[str, Sequence[str]]]


class RoostError(Exception):
    """Base of every error roost reports to a client."""

    title = "Error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AdapterNotFoundError(RoostError):
    """No installed adapter has this name (and version, when one is named)."""

    title = "Model not found"

    def __init__(self, name: str, version: str | None = None) -> None:
        self.name = name
        self.version = version
        if version is None:
            message = f"no model named {short_repr(name)} is installed"
        else:
            message = f"model {short_repr(name)} has no version {short_repr(version)}"
        super().__init__(message)


class AdapterNotReadyError(RoostError):
    """The adapter is installed but failed to import or load."""

    title = "Model not ready"

    def __init__(self, name: str, version: str | None, reason: str) -> None:
        self.name = name
        self.version = version
        self.reason = reason
        label = name if version is None else f"{name} {version}"
        super().__init__(f"model {label!r} is not ready: {reason}")


class DefaultModelError(RoostError):
    """A route that names no model cannot tell which one to serve."""

    title = "Default model not set"


class BadRequestError(RoostError):
    """The request body does not have the shape the route expects."""

    title = "Bad request"


class RequestValidationError(RoostError):
    """One or more records failed the adapter's input schema."""

    title = "Validation failed"

    def __init__(self, problems: ProblemMap, total: int) -> None:
        self.problems = problems
        self.total = total
        row = min(problems)
        field, reasons = next(iter(problems[row].items()))
        super().__init__(
            f"{len(problems)} of {total} record(s) failed validation; "
            f"first: record {row}, field {field!r}: {'; '.join(reasons)}"
        )


class AuthenticationError(RoostError):
    """The request presents no API key, or one that is not valid."""

    title = "Unauthorized"

    def __init__(self, message: str, *, presented: bool) -> None:
        #: True when a key was presented but is not valid.
        self.presented = presented
        super().__init__(message)


class KeyScopeError(RoostError):
    """The request's API key is valid but does not cover the model it targets."""

    title = "Forbidden"

    def __init__(self, key_name: str, model: str) -> None:
        self.key_name = key_name
        self.model = model
        super().__init__(f"API key {key_name!r} may not use model {short_repr(model)}")


class PayloadTooLargeError(RoostError):
    """The request is bigger than the configured limits allow."""

    title = "Payload too large"


class OverloadedError(RoostError):
    """Too many predictions are in flight in this worker; try again shortly."""

    title = "Server busy"

    def __init__(self, limit: int, retry_after: int = 1) -> None:
        self.retry_after = retry_after
        super().__init__(
            f"this worker is already running {limit} predictions; retry shortly"
        )


class DeadlineExceededError(RoostError):
    """A prediction took longer than the request deadline."""

    title = "Deadline exceeded"

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        super().__init__(f"the prediction did not finish within {seconds:g} s")


class AdapterError(RoostError):
    """Raised by an adapter that refuses its (already validated) input."""

    title = "Model rejected the input"


class PredictionError(RoostError):
    """The adapter failed unexpectedly or returned an unusable answer."""

    title = "Prediction failed"

    def __init__(self, name: str, version: str, reason: str) -> None:
        self.name = name
        self.version = version
        self.reason = reason
        super().__init__(f"model {name!r} {version} failed to predict: {reason}")


class ArtifactError(RoostError):
    """A trained artifact is missing, unreadable or fails its checksum."""

    title = "Artifact error"


class ServerControlError(RoostError):
    """A running server cannot be found from its pidfile, or did not obey."""

    title = "Server control failed"
