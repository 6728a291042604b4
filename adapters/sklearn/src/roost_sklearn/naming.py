"""Names of packaged models: the model's URL name, its version, its wheel.

A packaged model NAME at VERSION becomes the distribution
`roost-model-NAME-vVERSION` and the import package
`roost_model_NAME_vVERSION`, with the PEP 440 normal form of VERSION and its
dots (and NAME's hyphens, in the import name) written as `-` or `_`:
`iris` 1.0 is `roost-model-iris-v1-0` / `roost_model_iris_v1_0`.

NOTE: the rule is collision-free. A normalised version without epoch or local
label never holds a `v` right after a separator, so the last `-v<digit>`
(`_v<digit>`) is where the version starts: `iris-v2` 1 and `iris` 2.1 give
`...-iris-v2-v1` and `...-iris-v2-1`. Versions with an epoch (`1!2.0`) or a
local label (`2.0+abc`) are refused: they would break that rule.
"""

from __future__ import annotations

import re

from packaging.version import InvalidVersion, Version

__all__ = [
    "PackagingError",
    "check_name",
    "check_version",
    "distribution_name",
    "package_name",
]

#: The adapter contract's URL-safe name: lowercase letters, digits, single `-`.
NAME_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


class PackagingError(ValueError):
    """`roost package` cannot package this model; the message says why."""


def check_name(name: str) -> str:
    """Return `name` if it is URL-safe.

    Raises:
        PackagingError: it is not lowercase letters, digits and single hyphens.
    """
    if not NAME_PATTERN.fullmatch(name):
        raise PackagingError(
            f"model name {name!r} is not URL-safe: use lowercase letters, digits "
            "and single hyphens, e.g. 'house-band'"
        )
    return name


def check_version(version: str) -> str:
    """Return the PEP 440 normal form of `version`.

    Raises:
        PackagingError: not PEP 440, or with an epoch or a local label.
    """
    try:
        parsed = Version(version)
    except InvalidVersion:
        raise PackagingError(
            f"version {version!r} is not a PEP 440 version, e.g. '1.0.0' or '2.1rc1'"
        ) from None
    if parsed.epoch or parsed.local is not None:
        raise PackagingError(
            f"version {version!r} has an epoch or a local label (+...): packaged "
            "models take public versions without an epoch, e.g. '1.0.0'"
        )
    return str(parsed)


def distribution_name(name: str, version: str) -> str:
    """Return the wheel's distribution name, e.g. `roost-model-iris-v1-0`."""
    return f"roost-model-{check_name(name)}-v{_tokens(version, '-')}"


def package_name(name: str, version: str) -> str:
    """Return the wheel's import package, e.g. `roost_model_iris_v1_0`."""
    return f"roost_model_{check_name(name).replace('-', '_')}_v{_tokens(version, '_')}"


def _tokens(version: str, separator: str) -> str:
    return check_version(version).replace(".", separator)
