"""Count live inputs per feature bin, off the request's thread.

`DriftObserver` is a prediction observer: for each answered request of a
model version that has reference rows, it puts the validated rows on a
bounded queue and returns; its own thread bins them (`numpy.searchsorted`
per number, one tally per distinct category) and adds the counts to
`roost_feature_bin_total`. Of a request of more than `sample_rows` rows, a
uniform random sample of that many is binned: shares, and so drift, are
estimated without paying for every row of bulk requests. When the queue is
full the rows are dropped and `roost_drift_dropped_total` counts them.
"""

from __future__ import annotations

import logging
import queue
import time
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import pandas as pd
from prometheus_client import Counter
from prometheus_client.metrics_core import Metric

from roost.core.contract.registry import Registry
from roost.core.monitoring.binning import ModelBins, Rows, bin_features
from roost.core.monitoring.drift_gauge import drift_metrics
from roost.core.runtime.lazy_thread import LazyThread
from roost.core.runtime.metrics import Metrics

__all__ = ["DriftObserver", "ObservedRows", "drift_observers", "reference_bins"]

logger = logging.getLogger(__name__)

ModelKey = tuple[str, str]  # model, version
#: Batches binned together at most, summing their counts first.
_DRAIN = 64
#: Seconds the binning thread lets batches gather after the first arrives,
#: unless the queue fills to half first; and how often it looks meanwhile.
_GATHER = 0.05
_GATHER_STEP = 0.005


class ObservedRows(Protocol):
    """What the observer reads of a prediction: who predicted which rows."""

    @property
    def name(self) -> str:
        """The model's name."""

    @property
    def version(self) -> str:
        """The model version that predicted."""

    @property
    def frame(self) -> pd.DataFrame:
        """The validated rows."""

    @property
    def columns(self) -> Mapping[str, Sequence[Any]] | None:
        """The same rows, one sequence of values per field, if at hand (small)."""


def reference_bins(registry: Registry) -> dict[ModelKey, ModelBins]:
    """Draw bins from the reference rows of every ready adapter version.

    An adapter without reference rows is left out; one whose
    `reference_data()` fails or holds none of its inputs is logged and left out.
    """
    bins: dict[ModelKey, ModelBins] = {}
    for entry in registry.entries():
        adapter = entry.adapter
        if not entry.ready or adapter is None or entry.version is None:
            continue
        try:
            reference = adapter.reference_data()
            if reference is None:
                continue
            bins[(entry.name, entry.version)] = bin_features(
                reference, adapter.input_schema
            )
        except Exception as exc:  # noqa: BLE001 - an adapter's bug: no drift for it
            logger.warning(
                "no drift for %s %s: its reference rows cannot be binned: %s",
                entry.name,
                entry.version,
                exc,
            )
    return bins


class DriftObserver:
    """Bins each validated batch of models with reference rows, in the background."""

    def __init__(
        self,
        bins: Mapping[ModelKey, ModelBins],
        metrics: Metrics,
        queue_size: int,
        sample_rows: int = 0,
    ) -> None:
        self.bins = dict(bins)
        self.sample_rows = sample_rows
        self._metrics = metrics
        self._queue: queue.Queue[tuple[ModelKey, Rows]] = queue.Queue(queue_size)
        self._thread = LazyThread(self._run, "roost-drift")
        self._counters: dict[ModelKey, dict[str, list[Counter]]] = {}
        metrics.derive(self.drift_metrics)

    def observe(self, record: ObservedRows) -> None:
        """Queue the record's rows for binning; drop and count them when full."""
        key = (record.name, record.version)
        if key not in self.bins:
            return
        self._thread.start()
        try:
            # The columns, when at hand, spare the binning thread the frame.
            rows = record.frame if record.columns is None else record.columns
            self._queue.put_nowait((key, rows))
        except queue.Full:
            self._metrics.drift_dropped.labels(*key).inc()

    def flush(self) -> None:
        """Wait until every queued batch is counted."""
        self._queue.join()

    def drift_metrics(self, collected: Sequence[Metric]) -> list[Metric]:
        """Compute `roost_feature_drift` from the collected bin counts."""
        return list(drift_metrics(self.bins, collected))

    def _run(self) -> None:
        while True:
            batches = [self._queue.get()]
            self._gather()
            while len(batches) < _DRAIN:
                try:
                    batches.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                self._count(batches)
            except Exception:
                logger.exception("drift: binning a batch failed")
            finally:
                for _ in batches:
                    self._queue.task_done()

    def _gather(self) -> None:
        """Let batches queue up for a moment, short of filling the queue.

        Binning costs about the same for one row as for sixty, and holds the
        GIL the requests need: under a stream of one-row requests, a pause
        makes it paid per pause, not per request.
        """
        enough = min(self._queue.maxsize // 2, _DRAIN)  # a full pass is waiting
        until = time.monotonic() + _GATHER
        while self._queue.qsize() < enough and time.monotonic() < until:
            time.sleep(_GATHER_STEP)

    def _count(self, batches: list[tuple[ModelKey, Rows]]) -> None:
        # NOTE: batches of one model are binned together: under a stream of
        # one-row requests the cost goes per drain, not per request.
        frames: dict[ModelKey, list[Rows]] = {}
        for key, frame in batches:
            frames.setdefault(key, []).append(frame)
        for key, parts in frames.items():
            counters = self._counters_for(key)
            for feature, values in (
                self.bins[key].count_frames(parts, self.sample_rows).items()
            ):
                for counter, value in zip(counters[feature], values, strict=True):
                    if value:
                        counter.inc(int(value))

    def _counters_for(self, key: ModelKey) -> dict[str, list[Counter]]:
        counters = self._counters.get(key)
        if counters is None:
            family = self._metrics.feature_bins
            counters = {
                bins.feature: [
                    family.labels(*key, bins.feature, label) for label in bins.labels
                ]
                for bins in self.bins[key].features
            }
            self._counters[key] = counters
        return counters


def drift_observers(
    registry: Registry, metrics: Metrics, queue_size: int, sample_rows: int = 0
) -> list[DriftObserver]:
    """Return the drift observer for the registry's adapters, if any has rows.

    None when `queue_size` is 0 (drift tracking off) or no ready adapter
    version has usable reference rows. `sample_rows` caps the rows binned
    per request (0: all).
    """
    if queue_size <= 0:
        return []
    bins = reference_bins(registry)
    return [DriftObserver(bins, metrics, queue_size, sample_rows)] if bins else []
