"""Settings of the payload log: its file, its CloudEvents sink, sampling."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from roost.core.runtime._setting import (
    between,
    http_url_or_none,
    integer,
    not_negative,
    number,
    path_or_none,
    positive,
    setting,
    text,
    text_or_none,
)

__all__ = ["PayloadLogSettings"]


@dataclass(frozen=True)
class PayloadLogSettings:
    """Where sampled predictions are logged, how many, and how files rotate."""

    payload_log: Path | None = field(
        default=None,
        metadata=setting(
            "file the payload log appends one JSON line per sampled prediction "
            "to, shared by the workers (see The payload log)",
            parse=path_or_none,
            shown="none (no file)",
        ),
    )
    payload_log_url: str | None = field(
        default=None,
        metadata=setting(
            "URL the payload log posts each sampled prediction to, as "
            "CloudEvents in KServe's logger format",
            parse=text_or_none,
            check=http_url_or_none,
            shown="none (no events)",
        ),
    )
    payload_log_sample: float = field(
        default=1.0,
        metadata=setting(
            "share of prediction requests the payload log keeps, 0 to 1",
            parse=number,
            check=between(0, 1),
        ),
    )
    payload_log_max_bytes: int = field(
        default=100 * 1024 * 1024,
        metadata=setting(
            "size in bytes past which the payload log file is rotated (0: never)",
            parse=integer,
            check=not_negative,
        ),
    )
    payload_log_backups: int = field(
        default=5,
        metadata=setting(
            "rotated payload log files kept, `PATH.1` the newest",
            parse=integer,
            check=not_negative,
        ),
    )
    payload_log_queue: int = field(
        default=1000,
        metadata=setting(
            "predictions each worker holds for each payload log sink; more "
            "are dropped and counted",
            parse=integer,
            check=positive,
        ),
    )
    payload_log_namespace: str = field(
        default="default",
        metadata=setting(
            "the payload log's CloudEvents `ce-namespace`",
            parse=text,
        ),
    )
