"""Settings that split traffic between versions and shadow it to another."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from roost.core.runtime._setting import (
    integer,
    path_or_none,
    positive,
    positive_weights,
    setting,
    shadows,
    splits,
)

__all__ = ["TrafficSettings"]


@dataclass(frozen=True)
class TrafficSettings:
    """Weighted splits, shadow predictions, and the file that may replace both."""

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
