"""Settings of drift tracking and the workers' shared Prometheus metrics."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from roost.core.runtime._setting import integer, not_negative, path_or_none, setting

__all__ = ["MonitoringSettings"]


@dataclass(frozen=True)
class MonitoringSettings:
    """The drift queue, and the folder where workers share their metrics."""

    drift_queue: int = field(
        default=64,
        metadata=setting(
            "validated batches waiting to be binned for `roost_feature_drift` "
            "(dropped beyond, and counted); 0 turns drift tracking off",
            parse=integer,
            check=not_negative,
        ),
    )
    drift_sample_rows: int = field(
        default=256,
        metadata=setting(
            "rows of a larger request drawn at random to be binned for drift "
            "(`roost_feature_bin_total` counts them); 0 bins every row",
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
