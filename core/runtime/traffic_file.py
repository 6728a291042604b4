"""The traffic file: canary and shadow settings that a reload picks up.

Settings come from the environment `roost serve` started with, which no
reload can change. `ROOST_TRAFFIC_FILE` names a file of `ROOST_TRAFFIC=...`
and `ROOST_SHADOW=...` lines instead; each worker reads it as it starts, so
a reload (or a replaced worker) serves what the file says then. A file that
cannot be read or is wrong is reported, and the worker serves the
environment's values meanwhile.
"""

from __future__ import annotations

import logging
from typing import Any

from roost.core.runtime.settings import Settings, declared_settings

__all__ = ["FILE_SETTINGS", "read_traffic_file", "with_traffic_file"]

logger = logging.getLogger(__name__)

#: The settings a traffic file holds; one missing from the file is unset.
FILE_SETTINGS = ("traffic", "shadow")


def read_traffic_file(text: str) -> dict[str, Any]:
    """Read a traffic file's lines into `Settings` fields (blank and `#` skipped).

    Raises:
        ValueError: a line names another variable or holds a wrong value.
    """
    declared = {
        spec.variables[0]: spec
        for spec in declared_settings()
        if spec.name in FILE_SETTINGS
    }
    values: dict[str, Any] = {name: {} for name in FILE_SETTINGS}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        variable, _, raw = (part.strip() for part in line.partition("="))
        spec = declared.get(variable)
        if spec is None:
            raise ValueError(
                f"line {number}: expected {' or '.join(declared)}=..., "
                f"got {line.strip()[:40]!r}"
            )
        values[spec.name] = spec.parse(variable, raw)
    return values


def with_traffic_file(settings: Settings) -> tuple[Settings, str | None]:
    """Return the settings with the traffic file's values, and any problem.

    Without a file the settings are returned as they are. With a file that
    cannot be used, they are too, with the reason as the problem.
    """
    path = settings.traffic_file
    if path is None:
        return settings, None
    try:
        values = read_traffic_file(path.read_text(encoding="utf-8"))
        updated = settings.replace(**values)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        problem = f"{path} cannot be used: {exc}"
        logger.error("traffic file (ROOST_TRAFFIC_FILE) %s", problem)
        return settings, problem
    logger.info("traffic file %s read", path)
    return updated, None
