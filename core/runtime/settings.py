"""Settings: one object built from ROOST_* environment variables and a profile."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from roost.core.runtime.affinity import AFFINITY_MODES

__all__ = ["PROFILES", "Settings", "default_model_dir"]

PROFILES = ("development", "testing", "production")
MAX_PORT = 65535
LIBRARY_POLICIES = ("warn", "refuse")

#: Defaults that differ by profile; everything else is the dataclass default.
_PROFILE_DEFAULTS: Mapping[str, Mapping[str, Any]] = {
    "development": {"log_level": "info", "log_format": "text"},
    "testing": {"log_level": "warning", "log_format": "text"},
    "production": {"log_level": "info", "log_format": "json"},
}
_POSITIVE = (
    "workers",
    "threads",
    "timeout",
    "graceful_timeout",
    "max_in_flight",
    "queue_timeout",
    "batch_max_rows",
    "max_body_bytes",
    "max_records",
    "max_fields_per_record",
    "body_timeout",
)
_NOT_FROM_ENV = {"request_id_factory", "port"}


def default_model_dir(environ: Mapping[str, str]) -> Path:
    """Return the per-user data folder for artifacts (XDG_DATA_HOME aware)."""
    base = environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "roost" / "models"


def _new_request_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class Settings:
    """Everything that configures one roost process.

    Each field maps to the environment variable `ROOST_<FIELD>`; `PORT` is
    also honoured (PaaS convention) when `ROOST_PORT` is unset.
    """

    profile: str = "development"
    model_dir: Path = field(default_factory=lambda: default_model_dir(os.environ))
    adapter_namespace: str = "roost.adapters"
    default_model: str | None = None
    pinned_versions: Mapping[str, str] = field(default_factory=dict)
    adapter_options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    #: What to do when an artifact was trained with other library versions.
    library_mismatch: str = "warn"
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 2
    threads: int = 8
    timeout: int = 30
    graceful_timeout: int = 30
    max_requests: int = 0
    max_requests_jitter: int = 0
    #: Predict requests one worker runs at once; more get 503 + Retry-After.
    max_in_flight: int = 4
    #: Seconds a request may wait for a free prediction slot before 503.
    queue_timeout: float = 1.0
    #: Seconds a prediction may take before the client gets 504 (0: no
    #: deadline; predictions then run on the request's own thread).
    request_deadline: float = 30.0
    #: `on` pins worker n to the n-th usable CPU, `off` leaves workers to the
    #: kernel, `auto` pins when there are as many workers as usable CPUs.
    cpu_affinity: str = "auto"
    #: Micro-batching: rows one merged predict call may take (1: off).
    batch_max_rows: int = 1
    #: Micro-batching: seconds the first request waits for company.
    batch_max_wait: float = 0.002
    max_body_bytes: int = 8 * 1024 * 1024
    max_records: int = 10_000
    max_fields_per_record: int = 1_000
    #: Seconds a request body may take to arrive before 408.
    body_timeout: float = 10.0
    #: Folder shared by gunicorn workers for Prometheus metrics; None: per process.
    metrics_dir: Path | None = None
    log_level: str = "info"
    log_format: str = "text"
    request_id_factory: Callable[[], str] = field(default=_new_request_id, repr=False)

    def __post_init__(self) -> None:
        if self.profile not in PROFILES:
            raise ValueError(f"profile {self.profile!r} is not one of {PROFILES}")
        if self.log_format not in {"text", "json"}:
            raise ValueError(f"log_format {self.log_format!r} is not 'text' or 'json'")
        if self.library_mismatch not in LIBRARY_POLICIES:
            raise ValueError(
                f"library_mismatch {self.library_mismatch!r} is not one of "
                f"{LIBRARY_POLICIES}"
            )
        if self.cpu_affinity not in AFFINITY_MODES:
            raise ValueError(
                f"cpu_affinity {self.cpu_affinity!r} is not one of {AFFINITY_MODES}"
            )
        if not 0 <= self.port <= MAX_PORT:
            raise ValueError(f"port must be between 0 and {MAX_PORT}, got {self.port}")
        for name in _POSITIVE:
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        for name in (
            "max_requests",
            "max_requests_jitter",
            "batch_max_wait",
            "request_deadline",
        ):
            if getattr(self, name) < 0:
                raise ValueError(
                    f"{name} must not be negative, got {getattr(self, name)}"
                )

    @classmethod
    def for_profile(cls, profile: str, **overrides: Any) -> Settings:
        """Build settings from a profile's defaults plus explicit overrides."""
        if profile not in PROFILES:
            raise ValueError(f"profile {profile!r} is not one of {PROFILES}")
        return cls(profile=profile, **{**_PROFILE_DEFAULTS[profile], **overrides})

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build settings from `ROOST_*` variables (the only reader of them)."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {"model_dir": default_model_dir(env)}
        for variable in ("ROOST_PORT", "PORT"):
            if env.get(variable):
                values["port"] = _integer(variable, env[variable])
                break
        for spec in fields(cls):
            variable = f"ROOST_{spec.name.upper()}"
            raw = env.get(variable)
            if raw is None or spec.name in _NOT_FROM_ENV:
                continue
            values[spec.name] = _convert(spec.name, variable, raw)
        return cls.for_profile(values.pop("profile", "development"), **values)

    def replace(self, **changes: Any) -> Settings:
        """Return a copy with some fields changed."""
        return replace(self, **changes)


_INTEGERS = {
    "workers",
    "threads",
    "timeout",
    "graceful_timeout",
    "max_requests",
    "max_requests_jitter",
    "max_in_flight",
    "max_body_bytes",
    "max_records",
    "max_fields_per_record",
    "batch_max_rows",
}


def _convert(name: str, variable: str, raw: str) -> Any:
    """Turn one environment string into its field's type."""
    if name in _INTEGERS:
        return _integer(variable, raw)
    if name in _FLOATS:
        return _number(variable, raw)
    if name in _PATHS:
        return Path(raw).expanduser() if raw else None
    parser = _PARSERS.get(name)
    return parser(raw) if parser is not None else raw


def _integer(variable: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{variable}={raw!r} is not an integer") from None


def _number(variable: str, raw: str) -> float:
    try:
        return float(raw)
    except ValueError:
        raise ValueError(f"{variable}={raw!r} is not a number") from None


def _parse_pins(text: str) -> dict[str, str]:
    """Parse `name=version,name=version` into a mapping."""
    pins = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, version = item.partition("=")
        if not sep or not name.strip() or not version.strip():
            raise ValueError(f"ROOST_PINNED_VERSIONS item {item!r} is not name=version")
        pins[name.strip()] = version.strip()
    return pins


def _adapter_options(raw: str) -> dict[str, dict[str, Any]]:
    """Parse ROOST_ADAPTER_OPTIONS: a JSON object of objects, keyed by adapter."""
    try:
        options = json.loads(raw)
    except ValueError as exc:
        raise ValueError(f"ROOST_ADAPTER_OPTIONS is not valid JSON: {exc}") from None
    if not isinstance(options, dict) or not all(
        isinstance(value, dict) for value in options.values()
    ):
        raise ValueError(
            'ROOST_ADAPTER_OPTIONS must be a JSON object of objects: {"name": {...}}'
        )
    return options


_FLOATS = {"request_deadline", "queue_timeout", "batch_max_wait", "body_timeout"}
_PATHS = {"model_dir", "metrics_dir"}
_PARSERS: Mapping[str, Callable[[str], Any]] = {
    "pinned_versions": _parse_pins,
    "adapter_options": _adapter_options,
    "default_model": lambda raw: raw or None,
}
