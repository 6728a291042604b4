"""Settings of the gunicorn server: address, processes, timeouts, pidfile."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
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

__all__ = [
    "MAX_PORT",
    "ServerSettings",
    "default_pidfile",
    "private_temp_dir",
    "runtime_dir",
]

MAX_PORT = 65535


def runtime_dir(environ: Mapping[str, str]) -> Path | None:
    """Return `$XDG_RUNTIME_DIR` (None when unset or empty)."""
    value = environ.get("XDG_RUNTIME_DIR")
    return Path(value) if value else None


def private_temp_dir() -> Path:
    """Return this user's `roost-UID` folder in the temporary folder."""
    return Path(tempfile.gettempdir()) / f"roost-{os.getuid()}"


def default_pidfile(port: int, runtime: Path | None) -> Path:
    """Return `roost-PORT.pid` in the runtime folder, else in a private temp dir."""
    base = runtime if runtime is not None else private_temp_dir()
    return base / f"roost-{port}.pid"


@dataclass(frozen=True)
class ServerSettings:
    """Where the server listens and keeps its pidfile; workers, timeouts, recycling."""

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
    #: Not a setting: `$XDG_RUNTIME_DIR`, home of the default pidfile
    #: (`Settings.from_env` reads it).
    xdg_runtime_dir: Path | None = field(default=None, repr=False)
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
    gc_young_threshold: int = field(
        default=10_000,
        metadata=setting(
            "net new objects before Python's garbage collector runs, set in each "
            "worker once its models are loaded and frozen out of collection "
            "(0: Python's default, 700)",
            parse=integer,
            check=not_negative,
        ),
    )

    @property
    def pidfile_path(self) -> Path:
        """The pidfile in use: `pidfile` if set, else one named by the port."""
        if self.pidfile is not None:
            return self.pidfile
        return default_pidfile(self.port, self.xdg_runtime_dir)
