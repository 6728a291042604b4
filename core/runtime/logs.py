"""Logging set-up: request ids on every line, JSON lines in production."""

from __future__ import annotations

import contextvars
import logging
from datetime import UTC, datetime

import orjson

__all__ = ["configure_logging", "request_id_var"]

#: The id of the request being handled in this thread, "-" outside requests.
request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar(
    "roost_request_id", default="-"
)
_TEXT_FORMAT = (
    "%(asctime)s %(levelname)s [%(process)d] [%(request_id)s] %(name)s: %(message)s"
)


class RequestIdFilter(logging.Filter):
    """Stamp each record with the current request id."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Add `request_id` and keep the record."""
        record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """Format records as one JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        """Render the record as JSON."""
        body = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
            "pid": record.process,
        }
        if record.exc_info:
            body["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(body).decode()


def configure_logging(level: str, log_format: str) -> None:
    """Route the `roost*` loggers to stderr with request ids; idempotent."""
    logger = logging.getLogger("roost")
    for handler in list(logger.handlers):
        if getattr(handler, "_roost", False):
            logger.removeHandler(handler)
    handler = logging.StreamHandler()
    handler._roost = True  # type: ignore[attr-defined]
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(
        JsonFormatter() if log_format == "json" else logging.Formatter(_TEXT_FORMAT)
    )
    logger.addHandler(handler)
    logger.setLevel(level.upper())
    logger.propagate = False
