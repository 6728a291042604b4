"""Settings: one object built from ROOST_* environment variables and a profile.

Each setting is declared once, as a field of `Settings`: the annotation is its
type, the field's default its default, and `setting(...)` in the field's
metadata its parser, check, per-profile defaults and help text. `from_env`,
the checks, the profiles and the README's settings table all derive from that
one declaration: `python -m roost.core.runtime.settings` prints the table, and
tests/unit/test_settings.py fails when the README's copy differs from it.
"""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from roost.core.runtime._setting import (
    METADATA_KEY,
    Setting,
    absolute_url_paths,
    between,
    http_url_or_none,
    integer,
    lowercase,
    not_negative,
    number,
    one_of,
    options_by_adapter,
    path,
    path_or_none,
    pins,
    positive,
    positive_weights,
    setting,
    shadows,
    splits,
    text,
    text_or_none,
    url_paths,
)
from roost.core.runtime.affinity import AFFINITY_MODES

__all__ = [
    "KEYLESS_PATHS",
    "PROFILES",
    "Setting",
    "Settings",
    "declared_settings",
    "default_model_dir",
    "settings_table",
]

PROFILES = ("development", "testing", "production")
MAX_PORT = 65535
LIBRARY_POLICIES = ("warn", "refuse")
LOG_FORMATS = ("text", "json")
LOG_LEVELS = ("debug", "info", "warning", "error", "critical")
#: Liveness, readiness and metrics answer without an API key by default:
#: probes and scrapers hold no keys.
KEYLESS_PATHS = (
    "/health",
    "/health/ready",
    "/v2/health/live",
    "/v2/health/ready",
    "/metrics",
)


def default_model_dir(environ: Mapping[str, str]) -> Path:
    """Return the per-user data folder for artifacts (XDG_DATA_HOME aware)."""
    base = environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "roost" / "models"


def _new_request_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class Settings:
    """Everything that configures one roost process.

    Each field but `request_id_factory` is a setting: it maps to the
    environment variable `ROOST_<FIELD>` (`PORT` is also honoured, the PaaS
    convention, when `ROOST_PORT` is unset), and its `setting(...)` metadata
    says how it is read, checked and documented. A new setting is a new
    field declared the same way, plus its row in the README.
    """

    profile: str = field(
        default="development",
        metadata=setting(
            "`development`, `testing` or `production`: picks the log defaults",
            parse=text,
            check=one_of(PROFILES),
        ),
    )
    model_dir: Path = field(
        default_factory=lambda: default_model_dir(os.environ),
        metadata=setting(
            "where artifacts and their manifests live",
            parse=path,
            shown="`~/.local/share/roost/models` (under `$XDG_DATA_HOME` if set)",
            blank_is_unset=True,
            env_default=default_model_dir,
        ),
    )
    adapter_namespace: str = field(
        default="roost.adapters",
        metadata=setting("entry-point group to discover adapters in", parse=text),
    )
    default_model: str | None = field(
        default=None,
        metadata=setting(
            "the model behind `/v1/predict/regression`; needed when several "
            "regression adapters and no house-prices are installed (else 503)",
            parse=text_or_none,
            shown="house-prices if installed, else the only regression adapter",
        ),
    )
    pinned_versions: Mapping[str, str] = field(
        default_factory=dict,
        metadata=setting(
            "`name=version,...`: the version served when a request names none; "
            "a pin to a version not installed makes that model's routes 503",
            parse=pins,
            shown="none (the newest)",
        ),
    )
    traffic: Mapping[str, Mapping[str, float]] = field(
        default_factory=dict,
        metadata=setting(
            "`name=version:weight,...;name=...`: splits requests that name no "
            "version by weight; one `X-Routing-Key` always gets one version",
            parse=splits,
            check=positive_weights,
            shown="none",
        ),
    )
    shadow: Mapping[str, str] = field(
        default_factory=dict,
        metadata=setting(
            "`name=version;...`: after each answer, also predict its rows with "
            "this version and measure how far it is from the served one",
            parse=shadows,
            shown="none",
        ),
    )
    shadow_queue: int = field(
        default=256,
        metadata=setting(
            "shadow predictions a worker holds waiting; more are dropped",
            parse=integer,
            check=positive,
        ),
    )
    traffic_file: Path | None = field(
        default=None,
        metadata=setting(
            "a file of `ROOST_TRAFFIC=` and `ROOST_SHADOW=` lines that each "
            "worker reads as it starts, in place of those variables",
            parse=path_or_none,
        ),
    )
    adapter_options: Mapping[str, Mapping[str, Any]] = field(
        default_factory=dict,
        metadata=setting(
            'JSON `{"name": {...}}`: options handed to each adapter\'s context',
            parse=options_by_adapter,
            shown="`{}`",
        ),
    )
    library_mismatch: str = field(
        default="warn",
        metadata=setting(
            "`warn` about or `refuse` artifacts trained with other library versions",
            parse=text,
            check=one_of(LIBRARY_POLICIES),
        ),
    )
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
    max_in_flight: int = field(
        default=4,
        metadata=setting(
            "predictions one worker runs at once; more wait for a slot",
            parse=integer,
            check=positive,
        ),
    )
    queue_timeout: float = field(
        default=1.0,
        metadata=setting(
            "seconds a request may wait for a prediction slot before 503",
            parse=number,
            check=positive,
        ),
    )
    request_deadline: float = field(
        default=30.0,
        metadata=setting(
            "seconds a prediction may take before 504 (0: no deadline, and "
            "predictions run on the request's own thread)",
            parse=number,
            check=not_negative,
        ),
    )
    cpu_affinity: str = field(
        default="auto",
        metadata=setting(
            "`auto`: each worker on a CPU of its own when there are as many "
            "workers as usable CPUs; `on`: always; `off`: never (see Workers)",
            parse=text,
            check=one_of(AFFINITY_MODES),
        ),
    )
    batch_max_rows: int = field(
        default=1,
        metadata=setting(
            "micro-batching: rows one merged predict call may take (1: off)",
            parse=integer,
            check=positive,
        ),
    )
    batch_max_wait: float = field(
        default=0.002,
        metadata=setting(
            "micro-batching: seconds the first request waits for company",
            parse=number,
            check=not_negative,
        ),
    )
    max_body_bytes: int = field(
        default=8 * 1024 * 1024,
        metadata=setting(
            "largest request body, in bytes; larger: 413",
            parse=integer,
            check=positive,
        ),
    )
    max_records: int = field(
        default=10_000,
        metadata=setting(
            "most records one predict request may carry; more: 413",
            parse=integer,
            check=positive,
        ),
    )
    max_fields_per_record: int = field(
        default=1_000,
        metadata=setting(
            "most fields one record may carry; more: 400",
            parse=integer,
            check=positive,
        ),
    )
    header_timeout: float = field(
        default=10.0,
        metadata=setting(
            "seconds a client may take to send a request's headers, from "
            "connecting (kept alive: from the request's first byte); slower: "
            "disconnected",
            parse=number,
            check=positive,
        ),
    )
    body_timeout: float = field(
        default=10.0,
        metadata=setting(
            "seconds a request body may take to arrive, from the end of the "
            "headers; slower: 408, disconnected",
            parse=number,
            check=positive,
        ),
    )
    api_keys_file: Path | None = field(
        default=None,
        metadata=setting(
            "file of hashed API keys (`roost keys`); when set, requests need a "
            "key (see API keys), read when each worker starts",
            parse=path_or_none,
            shown="none (no keys needed)",
        ),
    )
    api_keys_exempt: tuple[str, ...] = field(
        default=KEYLESS_PATHS,
        metadata=setting(
            "comma-separated paths that need no API key; `/prefix/*` covers "
            "every path below `/prefix/`",
            parse=url_paths,
            check=absolute_url_paths,
            shown=f"`{','.join(KEYLESS_PATHS)}`",
        ),
    )
    drift_queue: int = field(
        default=64,
        metadata=setting(
            "validated batches waiting to be binned for `roost_feature_drift` "
            "(dropped beyond, and counted); 0 turns drift tracking off",
            parse=integer,
            check=not_negative,
        ),
    )
    metrics_dir: Path | None = field(
        default=None,
        metadata=setting(
            "folder where gunicorn workers share Prometheus metrics",
            parse=path_or_none,
            shown="a fresh temporary folder",
        ),
    )
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
    log_level: str = field(
        default="info",
        metadata=setting(
            "`debug`, `info`, `warning`, `error` or `critical`",
            parse=lowercase,
            check=one_of(LOG_LEVELS),
            by_profile={"testing": "warning"},
        ),
    )
    log_format: str = field(
        default="text",
        metadata=setting(
            "`text`, or `json`: one JSON object per log line",
            parse=text,
            check=one_of(LOG_FORMATS),
            by_profile={"production": "json"},
        ),
    )
    #: Not a setting: code swaps it (tests), the environment cannot.
    request_id_factory: Callable[[], str] = field(default=_new_request_id, repr=False)

    def __post_init__(self) -> None:
        for declared in declared_settings():
            if declared.check is not None:
                declared.check(declared.name, getattr(self, declared.name))
        if both := sorted(set(self.traffic) & set(self.pinned_versions)):
            raise ValueError(
                f"{', '.join(both)}: split by traffic and pinned; a split sets "
                "the version requests that name none get, so drop one of them"
            )

    @classmethod
    def for_profile(cls, profile: str, **overrides: Any) -> Settings:
        """Build settings from a profile's defaults plus explicit overrides."""
        one_of(PROFILES)("profile", profile)
        defaults = {
            declared.name: declared.by_profile[profile]
            for declared in declared_settings()
            if profile in declared.by_profile
        }
        return cls(profile=profile, **{**defaults, **overrides})

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build settings from `ROOST_*` variables (the only reader of them)."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for declared in declared_settings():
            found = declared.read(env)
            if found is not None:
                values[declared.name] = declared.parse(*found)
            elif declared.env_default is not None:
                values[declared.name] = declared.env_default(env)
        return cls.for_profile(values.pop("profile", "development"), **values)

    def replace(self, **changes: Any) -> Settings:
        """Return a copy with some fields changed."""
        return replace(self, **changes)


@functools.cache
def declared_settings() -> tuple[Setting, ...]:
    """Return every setting's declaration, named, in declaration order."""
    return tuple(
        replace(
            spec.metadata[METADATA_KEY],
            name=spec.name,
            default=None if spec.default is MISSING else spec.default,
        )
        for spec in fields(Settings)
        if METADATA_KEY in spec.metadata
    )


def settings_table() -> str:
    """Render the README's settings table (Markdown) from the declarations."""
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    for declared in declared_settings():
        primary, *fallbacks = (f"`{name}`" for name in declared.variables)
        variable = f"{primary} (or {', '.join(fallbacks)})" if fallbacks else primary
        lines.append(f"| {variable} | {declared.shown_default} | {declared.doc} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(settings_table(), end="")
