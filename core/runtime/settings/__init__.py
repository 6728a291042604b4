"""Settings: one object built from ROOST_* environment variables and a profile.

Each setting is declared once, as a field of one subsystem's settings class
(`models`, `traffic`, `server`, `serving`, `security`, `monitoring`,
`payload_log`, `logs`), which `Settings` combines: the annotation is its
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
from typing import Any

from roost.core.runtime._setting import METADATA_KEY, Setting, one_of
from roost.core.runtime.settings.logs import LogSettings
from roost.core.runtime.settings.models import (
    PROFILES,
    AdapterSettings,
    ModelSettings,
    default_model_dir,
)
from roost.core.runtime.settings.monitoring import MonitoringSettings
from roost.core.runtime.settings.payload_log import PayloadLogSettings
from roost.core.runtime.settings.security import KEYLESS_PATHS, SecuritySettings
from roost.core.runtime.settings.server import ServerSettings, runtime_dir
from roost.core.runtime.settings.serving import ServingSettings
from roost.core.runtime.settings.traffic import TrafficSettings

__all__ = [
    "KEYLESS_PATHS",
    "PROFILES",
    "Setting",
    "Settings",
    "declared_settings",
    "default_model_dir",
    "settings_table",
]


def _new_request_id() -> str:
    return uuid.uuid4().hex


# NOTE: a dataclass takes its bases' fields in reverse MRO order, so the
# subsystems are listed last-first: the fields (and the README table) run
# from ModelSettings.profile down to LogSettings.log_format.
@dataclass(frozen=True)
class Settings(
    LogSettings,
    PayloadLogSettings,
    MonitoringSettings,
    SecuritySettings,
    ServingSettings,
    ServerSettings,
    AdapterSettings,
    TrafficSettings,
    ModelSettings,
):
    """Everything that configures one roost process.

    Each field but `request_id_factory` and `xdg_runtime_dir` is a setting:
    it maps to the environment variable `ROOST_<FIELD>` (`PORT` is also
    honoured, the PaaS convention, when `ROOST_PORT` is unset), and its
    `setting(...)` metadata says how it is read, checked and documented. A
    new setting is a new field declared the same way in its subsystem's
    class, plus its row in the README.
    """

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
        """Build settings from `ROOST_*` variables (the only reader of them).

        `XDG_RUNTIME_DIR` is read too: the default pidfile lives there.
        """
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for declared in declared_settings():
            found = declared.read(env)
            if found is not None:
                values[declared.name] = declared.parse(*found)
            elif declared.env_default is not None:
                values[declared.name] = declared.env_default(env)
        values["xdg_runtime_dir"] = runtime_dir(env)
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
