"""Settings of the gunicorn server: address, processes, timeouts, pidfile."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from roost.core.runtime._setting import (
    between,
    integer,
    not_negative,
    path_or_none,
    positive,
    setting,
    text,
)

__all__ = ["MAX_PORT", "ServerSettings"]

MAX_PORT = 65535


@dataclass(frozen=True)
class ServerSettings:
    """Where the server listens, its workers, their timeouts and recycling."""

    host: str = field(
        default="127.0.0.1", metadata=setting("address to bind", parse=text)
    )
    port: int = field(
        default=8000,
        metadata=setting(
            "port to bind; `PORT` is read when this is unset or empty",
            parse=integer,
            check=between(0, MAX_PORT),
            fallbacks=("PORT",),
            blank_is_unset=True,
        ),
    )
    workers: int = field(
        default=2,
        metadata=setting("gunicorn worker processes", parse=integer, check=positive),
    )
    threads: int = field(
        default=8,
        metadata=setting("threads per worker (gthread)", parse=integer, check=positive),
    )
    timeout: int = field(
        default=30,
        metadata=setting(
            "gunicorn worker timeout, seconds", parse=integer, check=positive
        ),
    )
    graceful_timeout: int = field(
        default=30,
        metadata=setting(
            "seconds workers get to finish accepted requests on SIGTERM or SIGHUP",
            parse=integer,
            check=positive,
        ),
    )
    pidfile: Path | None = field(
        default=None,
        metadata=setting(
            "where `roost serve` writes the master's PID, which `roost reload` "
            "and `roost stop` read",
            parse=path_or_none,
            shown="`roost-PORT.pid` in `$XDG_RUNTIME_DIR`, else in `roost-UID/` "
            "in the temporary folder",
        ),
    )
    max_requests: int = field(
        default=0,
        metadata=setting(
            "recycle a worker after this many requests (0: never)",
            parse=integer,
            check=not_negative,
        ),
    )
    max_requests_jitter: int = field(
        default=0,
        metadata=setting(
            "up to this many more requests before recycling, so workers recycle apart",
            parse=integer,
            check=not_negative,
        ),
    )
