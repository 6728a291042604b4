"""How a setting is declared: `Setting`, `setting()`, and its parsers and checks.

`roost.core.runtime.settings` declares every setting with these; nothing
else needs them. Parsers take `(variable, raw)` so their errors name the
variable that was read; checks take `(field name, value)` so they hold for
values from code as well as from the environment.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "METADATA_KEY",
    "Check",
    "Parser",
    "Setting",
    "absolute_url_paths",
    "between",
    "http_url_or_none",
    "integer",
    "lowercase",
    "not_negative",
    "number",
    "one_of",
    "options_by_adapter",
    "path",
    "path_or_none",
    "pins",
    "positive",
    "positive_weights",
    "setting",
    "shadows",
    "splits",
    "text",
    "text_or_none",
    "url_paths",
]

#: Turns an environment string into a value: `(variable, raw) -> value`.
Parser = Callable[[str, str], Any]
#: Raises ValueError when a value is wrong: `(field name, value) -> None`.
Check = Callable[[str, Any], None]
#: The key of a `Settings` field's metadata that holds its `Setting`.
METADATA_KEY = "roost.setting"


@dataclass(frozen=True)
class Setting:
    """How one `Settings` field is read from the environment, checked, documented.

    Attributes:
        doc: what the setting does, one line of Markdown (the README's
            "meaning" column).
        parse: turns the variable's text into the field's type.
        check: refuses a wrong value, from the environment or from code.
        shown: the default as the README shows it; None: the default itself.
        fallbacks: variables read, in order, when `ROOST_<FIELD>` is unset.
        blank_is_unset: an empty variable counts as unset.
        by_profile: defaults that differ by profile, `{profile: value}`.
        env_default: computes the default from the environment `from_env`
            reads when no variable is set (a default that depends on it).
        default: the field's default (None for defaults a factory makes).
        name: the field's name; both are filled in from the field.
    """

    doc: str
    parse: Parser
    check: Check | None = None
    shown: str | None = None
    fallbacks: tuple[str, ...] = ()
    blank_is_unset: bool = False
    by_profile: Mapping[str, Any] = field(default_factory=dict)
    env_default: Callable[[Mapping[str, str]], Any] | None = None
    default: Any = None
    name: str = ""

    @property
    def variables(self) -> tuple[str, ...]:
        """The environment variables read, `ROOST_<FIELD>` first."""
        return (f"ROOST_{self.name.upper()}", *self.fallbacks)

    @property
    def shown_default(self) -> str:
        """The default as documentation shows it, with per-profile defaults."""
        shown = self.shown if self.shown is not None else _show(self.default)
        extra = ", ".join(f"{_show(v)} in `{p}`" for p, v in self.by_profile.items())
        return f"{shown} ({extra})" if extra else shown

    def read(self, env: Mapping[str, str]) -> tuple[str, str] | None:
        """Return the first variable set in `env` and its text; None if none."""
        for variable in self.variables:
            raw = env.get(variable)
            if raw is not None and not (self.blank_is_unset and raw == ""):
                return variable, raw
        return None


def setting(
    doc: str,
    *,
    parse: Parser,
    check: Check | None = None,
    shown: str | None = None,
    fallbacks: tuple[str, ...] = (),
    blank_is_unset: bool = False,
    by_profile: Mapping[str, Any] | None = None,
    env_default: Callable[[Mapping[str, str]], Any] | None = None,
) -> Mapping[str, Setting]:
    """Declare a setting: returns the `metadata` of its `Settings` field."""
    declared = Setting(
        doc=doc,
        parse=parse,
        check=check,
        shown=shown,
        fallbacks=fallbacks,
        blank_is_unset=blank_is_unset,
        by_profile=by_profile or {},
        env_default=env_default,
    )
    return {METADATA_KEY: declared}


def _show(value: object) -> str:
    if value is None:
        return "none"
    if isinstance(value, float):
        return f"`{value:g}`"
    return f"`{value}`"


def text(variable: str, raw: str) -> str:
    """Take the variable's text as it is."""
    return raw


def lowercase(variable: str, raw: str) -> str:
    """Take the variable's text in lower case (names such as log levels)."""
    return raw.strip().lower()


def text_or_none(variable: str, raw: str) -> str | None:
    """Take the variable's text; empty text is None."""
    return raw or None


def integer(variable: str, raw: str) -> int:
    """Read a whole number."""
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{variable}={raw!r} is not an integer") from None


def number(variable: str, raw: str) -> float:
    """Read a number (seconds, mostly)."""
    try:
        return float(raw)
    except ValueError:
        raise ValueError(f"{variable}={raw!r} is not a number") from None


def path(variable: str, raw: str) -> Path:
    """Read a folder; a leading `~` is the user's home."""
    return Path(raw).expanduser()


def path_or_none(variable: str, raw: str) -> Path | None:
    """Read a folder; empty text is None."""
    return Path(raw).expanduser() if raw else None


def pins(variable: str, raw: str) -> dict[str, str]:
    """Read `name=version,name=version` into a mapping."""
    pinned = {}
    for item in filter(None, (part.strip() for part in raw.split(","))):
        name, sep, version = item.partition("=")
        if not sep or not name.strip() or not version.strip():
            raise ValueError(f"{variable} item {item!r} is not name=version")
        pinned[name.strip()] = version.strip()
    return pinned


def shadows(variable: str, raw: str) -> dict[str, str]:
    """Read `name=version;name=version` into a mapping."""
    return pins(variable, raw.replace(";", ","))


def splits(variable: str, raw: str) -> dict[str, dict[str, float]]:
    """Read `name=version:weight,version:weight;name=...` into weights by model."""
    weights: dict[str, dict[str, float]] = {}
    for item in filter(None, (part.strip() for part in raw.split(";"))):
        name, sep, shares = (part.strip() for part in item.partition("="))
        if not sep or not name or name in weights:
            raise ValueError(
                f"{variable} item {item!r} is not name=version:weight,... "
                "(one item per model)"
            )
        weights[name] = {}
        for share in filter(None, (part.strip() for part in shares.split(","))):
            version, sep, weight = (part.strip() for part in share.partition(":"))
            if not sep or not version or version in weights[name]:
                raise ValueError(
                    f"{variable}: {share!r} of {name} is not version:weight "
                    "(each version once)"
                )
            weights[name][version] = number(variable, weight)
    return weights


def url_paths(variable: str, raw: str) -> tuple[str, ...]:
    """Read comma-separated URL paths; empty text is none."""
    return tuple(filter(None, (part.strip() for part in raw.split(","))))


def options_by_adapter(variable: str, raw: str) -> dict[str, dict[str, Any]]:
    """Read a JSON object of objects, keyed by adapter name."""
    try:
        options = json.loads(raw)
    except ValueError as exc:
        raise ValueError(f"{variable} is not valid JSON: {exc}") from None
    if not isinstance(options, dict) or not all(
        isinstance(value, dict) for value in options.values()
    ):
        raise ValueError(
            f'{variable} must be a JSON object of objects: {{"name": {{...}}}}'
        )
    return options


def one_of(choices: tuple[str, ...]) -> Check:
    """Check that a value is one of `choices`."""

    def check(name: str, value: Any) -> None:
        if value not in choices:
            raise ValueError(f"{name} {value!r} is not one of {choices}")

    return check


def between(low: int, high: int) -> Check:
    """Check that a value lies in `[low, high]`."""

    def check(name: str, value: Any) -> None:
        if not low <= value <= high:
            raise ValueError(f"{name} must be between {low} and {high}, got {value}")

    return check


def http_url_or_none(name: str, value: Any) -> None:
    """Check that a value is None or an absolute http(s) URL."""
    if value is None:
        return
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{name} must be an http:// or https:// URL, got {value!r}")


def positive(name: str, value: Any) -> None:
    """Check that a value is above zero."""
    if value <= 0:
        raise ValueError(f"{name} must be positive, got {value}")


def not_negative(name: str, value: Any) -> None:
    """Check that a value is zero or more."""
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value}")


def positive_weights(name: str, value: Any) -> None:
    """Check that every model's split names versions, each a positive weight."""
    for model, weights in value.items():
        if not weights:
            raise ValueError(f"{name}: {model} names no version")
        for version, weight in weights.items():
            if not 0 < weight < float("inf"):
                raise ValueError(
                    f"{name}: {model} {version} needs a positive weight, got {weight}"
                )


def absolute_url_paths(name: str, value: Any) -> None:
    """Check that a value is a collection of URL paths, each starting with `/`."""
    if isinstance(value, str):
        raise ValueError(f"{name} must be a collection of paths, not one string")
    for item in value:
        if not isinstance(item, str) or not item.startswith("/"):
            raise ValueError(f"{name}: {item!r} is not a URL path starting with '/'")
