"""Prometheus metrics, shared across gunicorn workers in multiprocess mode."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

__all__ = ["CONTENT_TYPE", "Derivation", "Metrics", "ShadowMetrics"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_LATENCY_BUCKETS = (
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1,
    2.5,
    5,
    10,
)

#: Relative differences |shadow - served| / |served|; above 1: +Inf's bucket.
_DIFFERENCE_BUCKETS = (0, 0.0001, 0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1)

_BATCH_ROW_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 1024, 4096, 16384)

#: Computes more metrics from the collected ones (merged over every worker).
Derivation = Callable[[Sequence[Metric]], Iterable[Metric]]


class _Collected(Collector):
    """Metrics already collected, handed to the exposition as they are."""

    def __init__(self, metrics: list[Metric]) -> None:
        self._metrics = metrics

    def collect(self) -> Iterator[Metric]:
        return iter(self._metrics)


class Metrics:
    """The metrics one worker updates, and how /metrics collects them.

    With `multiprocess_dir` set (gunicorn exports it to the workers as
    PROMETHEUS_MULTIPROC_DIR before they import prometheus-client), every
    worker writes its values there and /metrics sums them all.
    """

    def __init__(self, multiprocess_dir: Path | None = None) -> None:
        self._multiprocess_dir = multiprocess_dir
        self._registry = CollectorRegistry()
        self.requests = Counter(
            "roost_requests_total",
            "HTTP requests answered.",
            ["route", "method", "status", "model", "version"],
            registry=self._registry,
        )
        self.latency = Histogram(
            "roost_request_duration_seconds",
            "Time to answer an HTTP request.",
            ["route", "method", "model", "version"],
            buckets=_LATENCY_BUCKETS,
            registry=self._registry,
        )
        self.rows = Counter(
            "roost_rows_predicted_total",
            "Records predicted.",
            ["model", "version"],
            registry=self._registry,
        )
        self.validation_failures = Counter(
            "roost_validation_failures_total",
            "Records that failed validation.",
            ["model", "version"],
            registry=self._registry,
        )
        self.batch_rows = Histogram(
            "roost_batch_rows",
            "Rows per call of an adapter's predict (several requests' rows when "
            "micro-batching merged them).",
            ["model", "version"],
            buckets=_BATCH_ROW_BUCKETS,
            registry=self._registry,
        )
        self.payload_log_written = Counter(
            "roost_payload_log_written_total",
            "Predictions the payload log delivered, by sink (file, http).",
            ["sink"],
            registry=self._registry,
        )
        self.payload_log_dropped = Counter(
            "roost_payload_log_dropped_total",
            "Predictions the payload log dropped (queue full or delivery "
            "failed), by sink.",
            ["sink"],
            registry=self._registry,
        )
        self.feature_bins = Counter(
            "roost_feature_bin",
            "Validated input rows per bin of each feature (bins drawn from the "
            "model's reference rows).",
            ["model", "version", "feature", "bin"],
            registry=self._registry,
        )
        self.drift_dropped = Counter(
            "roost_drift_dropped",
            "Validated batches left unbinned because the drift queue was full.",
            ["model", "version"],
            registry=self._registry,
        )
        self._derivations: list[Derivation] = []
        self.ready = Gauge(
            "roost_adapter_ready",
            "1 when the adapter version is loaded and serving, else 0.",
            ["model", "version"],
            multiprocess_mode="livemin",
            registry=self._registry,
        )

        self.shadow = ShadowMetrics(self._registry)

    def derive(self, derivation: Derivation) -> None:
        """Add metrics computed at scrape time from the collected ones."""
        self._derivations.append(derivation)

    def render(self) -> bytes:
        """Return the exposition text for every worker (or this process)."""
        if self._multiprocess_dir is None:
            source = self._registry
        else:
            source = CollectorRegistry()
            multiprocess.MultiProcessCollector(source, path=str(self._multiprocess_dir))
        if not self._derivations:
            return bytes(generate_latest(source))
        collected = list(source.collect())
        derived = [
            metric
            for derivation in self._derivations
            for metric in derivation(collected)
        ]
        exposition = CollectorRegistry(auto_describe=False)
        exposition.register(_Collected(collected + derived))
        return bytes(generate_latest(exposition))


class ShadowMetrics:
    """How shadow versions fare against the versions that answered."""

    def __init__(self, registry: CollectorRegistry) -> None:
        compared = ["model", "version", "shadow_version", "output"]
        self.difference = Histogram(
            "roost_shadow_difference",
            "Relative difference of a shadow's number from the served one, per row.",
            compared,
            buckets=_DIFFERENCE_BUCKETS,
            registry=registry,
        )
        self.disagreements = Counter(
            "roost_shadow_disagreements_total",
            "Rows where a shadow's label differs from the served one.",
            compared,
            registry=registry,
        )
        self.compared = Counter(
            "roost_shadow_compared_rows_total",
            "Rows whose output a shadow version was compared on.",
            compared,
            registry=registry,
        )
        self.dropped = Counter(
            "roost_shadow_dropped_total",
            "Answered requests not shadowed because the shadow queue was full.",
            ["model", "shadow_version"],
            registry=registry,
        )
        self.errors = Counter(
            "roost_shadow_errors_total",
            "Shadow predictions that failed (the answers were unaffected).",
            ["model", "shadow_version"],
            registry=registry,
        )
        self.latency = Histogram(
            "roost_shadow_duration_seconds",
            "Time a shadow version took to predict a request's rows.",
            ["model", "shadow_version"],
            buckets=_LATENCY_BUCKETS,
            registry=registry,
        )
