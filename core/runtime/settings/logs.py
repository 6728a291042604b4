"""Settings of logging: the level and the line format, by profile."""

from __future__ import annotations

from dataclasses import dataclass, field

from roost.core.runtime._setting import lowercase, one_of, setting, text

__all__ = ["LOG_FORMATS", "LOG_LEVELS", "LogSettings"]

LOG_FORMATS = ("text", "json")
LOG_LEVELS = ("debug", "info", "warning", "error", "critical")


@dataclass(frozen=True)
class LogSettings:
    """How much is logged, and whether as text or JSON lines."""

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
