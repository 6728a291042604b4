"""Settings of API keys: the key file and the paths that need no key."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from roost.core.runtime._setting import (
    absolute_url_paths,
    path_or_none,
    setting,
    url_paths,
)

__all__ = ["KEYLESS_PATHS", "SecuritySettings"]

#: Liveness, readiness and metrics answer without an API key by default:
#: probes and scrapers hold no keys.
KEYLESS_PATHS = (
    "/health",
    "/health/ready",
    "/v2/health/live",
    "/v2/health/ready",
    "/metrics",
)


@dataclass(frozen=True)
class SecuritySettings:
    """Which requests need an API key, and where the keys' hashes are kept."""

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
