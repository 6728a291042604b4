"""Settings of the profile, model discovery and how adapters load."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from roost.core.runtime._setting import (
    one_of,
    options_by_adapter,
    path,
    pins,
    setting,
    text,
    text_or_none,
)

__all__ = [
    "LIBRARY_POLICIES",
    "PROFILES",
    "AdapterSettings",
    "ModelSettings",
    "default_model_dir",
]

PROFILES = ("development", "testing", "production")
LIBRARY_POLICIES = ("warn", "refuse")


def default_model_dir(environ: Mapping[str, str]) -> Path:
    """Return the per-user data folder for artifacts (XDG_DATA_HOME aware)."""
    base = environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "roost" / "models"


@dataclass(frozen=True)
class ModelSettings:
    """The profile; where artifacts live, which adapters and versions answer."""

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


@dataclass(frozen=True)
class AdapterSettings:
    """What each adapter is handed as it loads, and which artifacts it takes."""

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
