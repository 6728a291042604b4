"""`roost drift`: the drift of a payload log's inputs against reference rows.

A payload log holds one JSON object per line. This reads, of each line, only
`model` (the model's name), `version` (the version that answered) and
`inputs` (the validated rows: a list of records, or an object of columns);
every other key is ignored, and a line that is not JSON or lacks these keys
is skipped and counted. The bins and the PSI are those of
`roost_feature_drift`, so both report the same figures for the same rows.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pandas as pd

from roost.core.contract.registry import Registry
from roost.core.monitoring.binning import FeatureBins, ModelBins, bin_features
from roost.core.monitoring.psi import psi, reading

__all__ = ["DriftReport", "FeatureDrift", "LogRows", "read_log", "run_drift"]


@dataclass(frozen=True)
class FeatureDrift:
    """One feature's PSI and the bin shares behind it."""

    feature: str
    psi: float
    bins: tuple[str, ...]
    reference: tuple[float, ...]
    live: tuple[float, ...]

    @property
    def reading(self) -> str:
        """Say how the PSI reads: "stable", "moderate" or "shift"."""
        return reading(self.psi)


@dataclass(frozen=True)
class LogRows:
    """The input rows of one model found in payload logs, and what was skipped."""

    frame: pd.DataFrame
    lines: int
    skipped: int


@dataclass(frozen=True)
class DriftReport:
    """Drift per feature of one model version's logged inputs."""

    model: str
    version: str
    rows: int
    reference_rows: int
    lines: int
    skipped: int
    features: tuple[FeatureDrift, ...]

    def render(self) -> str:
        """Return the report as a table, most drifted feature first."""
        width = max([len("FEATURE"), *(len(f.feature) for f in self.features)])
        lines = [
            f"{self.model} {self.version}: {self.rows} logged row(s) from "
            f"{self.lines} line(s) against {self.reference_rows} reference row(s)"
            + (f"; {self.skipped} line(s) skipped" if self.skipped else ""),
            f"{'FEATURE':<{width}}  {'PSI':>8}  READING",
        ]
        for feature in sorted(self.features, key=lambda f: -f.psi):
            lines.append(
                f"{feature.feature:<{width}}  {feature.psi:>8.4f}  {feature.reading}"
            )
        return "\n".join(lines)


def _records(inputs: Any) -> list[dict[str, Any]] | None:
    """Return a line's rows as records; None when `inputs` holds no rows."""
    if isinstance(inputs, list) and all(isinstance(row, dict) for row in inputs):
        return inputs
    if isinstance(inputs, dict) and all(isinstance(c, list) for c in inputs.values()):
        if len({len(column) for column in inputs.values()}) > 1:
            return None
        names = list(inputs)
        return [
            dict(zip(names, values, strict=True))
            for values in zip(*inputs.values(), strict=True)
        ]
    return None


def _lines(paths: Sequence[Path]) -> Iterator[bytes]:
    for path in paths:
        with path.open("rb") as stream:
            for line in stream:
                if line.strip():
                    yield line


def read_log(paths: Sequence[Path], model: str, version: str | None) -> LogRows:
    """Gather the logged input rows of `model` (of `version` only, when given).

    Raises:
        OSError: a file cannot be read.
    """
    rows: list[dict[str, Any]] = []
    lines = skipped = 0
    for line in _lines(paths):
        try:
            entry = orjson.loads(line)
        except orjson.JSONDecodeError:
            skipped += 1
            continue
        if not isinstance(entry, dict):
            skipped += 1
            continue
        records = _records(entry.get("inputs"))
        if records is None or not isinstance(entry.get("model"), str):
            skipped += 1
            continue
        if entry["model"] != model:
            continue
        if version is not None and str(entry.get("version")) != version:
            continue
        lines += 1
        rows.extend(records)
    return LogRows(pd.DataFrame.from_records(rows), lines, skipped)


def _shares(counts: np.ndarray) -> tuple[float, ...]:
    total = counts.sum()
    return tuple(float(c / total) if total else 0.0 for c in counts)


def _feature_drift(bins: FeatureBins, live: np.ndarray) -> FeatureDrift:
    return FeatureDrift(
        bins.feature,
        psi(bins.reference, live),
        bins.labels,
        _shares(np.asarray(bins.reference)),
        _shares(live),
    )


def drift_of(bins: ModelBins, frame: pd.DataFrame) -> tuple[FeatureDrift, ...]:
    """Return the drift of each feature of `frame` against the reference bins."""
    counts = bins.count(frame)
    return tuple(_feature_drift(b, counts[b.feature]) for b in bins.features)


def run_drift(
    registry: Registry, name: str, logs: Sequence[Path], version: str | None = None
) -> DriftReport:
    """Compare the inputs `logs` hold for model `name` with its reference rows.

    The reference rows are those of the installed version `version` (default:
    the version requests naming none get); without `version`, log lines of
    every version of `name` count.

    Raises:
        AdapterNotFoundError: no such model or version is installed.
        ValueError: the adapter is broken or has no reference rows, or the
            logs hold no rows of the model.
        OSError: a log cannot be read.
    """
    entry = registry.lookup(name, version)
    if entry.adapter_class is None or entry.context is None or entry.version is None:
        raise ValueError(f"adapter {name!r} is broken: {entry.error}")
    reference = entry.adapter_class(entry.context).reference_data()
    if reference is None:
        raise ValueError(f"adapter {name!r} has no reference rows (reference_data())")
    bins = bin_features(reference, entry.adapter_class.input_schema)
    logged = read_log(logs, name, version)
    if logged.frame.empty:
        where = ", ".join(str(path) for path in logs)
        raise ValueError(
            f"no input rows of model {name!r}"
            + (f" version {version}" if version else "")
            + f" in {where} ({logged.skipped} line(s) skipped as unreadable)"
        )
    return DriftReport(
        name,
        entry.version,
        len(logged.frame),
        len(reference),
        logged.lines,
        logged.skipped,
        drift_of(bins, logged.frame),
    )
