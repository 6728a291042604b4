"""Shadow versions: predict answered rows again with another version, aside.

`ROOST_SHADOW` names, per model, a version that sees every request another
version of the model answered. The request's thread only hands the rows to
a bounded queue (a full queue drops them and counts the drop); one thread
per worker predicts them with the shadow version and records how far its
outputs are from the served ones. The answer is sent without waiting, and a
failing shadow is counted and logged, never raised.
"""

from __future__ import annotations

import logging
import queue
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING

from roost.core.contract.registry import AdapterEntry, Registry
from roost.core.errors import AdapterNotFoundError
from roost.core.runtime.lazy_thread import LazyThread
from roost.core.runtime.metrics import ShadowMetrics
from roost.core.serving.outputs import predict_outputs
from roost.core.serving.shadow_comparison import compare_outputs

if TYPE_CHECKING:
    # NOTE: the data plane builds this observer; a runtime import would be a cycle.
    from roost.core.serving.prediction_records import PredictionRecord

__all__ = ["ShadowObserver"]

logger = logging.getLogger(__name__)


class ShadowObserver:
    """A prediction observer that runs each model's shadow version on its rows.

    A shadow naming a model or version that is not installed is logged and
    reported by `problems` (readiness then fails, as for a missing pin); the
    model's requests are answered as ever.
    """

    def __init__(
        self,
        registry: Registry,
        shadows: Mapping[str, str],
        metrics: ShadowMetrics,
        queue_size: int = 256,
    ) -> None:
        self._metrics = metrics
        self._shadows: dict[str, AdapterEntry] = {}
        self._problems: dict[str, str] = {}
        for name, version in shadows.items():
            try:
                self._shadows[name] = registry.lookup(name, version)
            except AdapterNotFoundError as exc:
                self._problems[name] = f"shadow (ROOST_SHADOW): {exc}"
                logger.error("model %s: %s", name, self._problems[name])
        self._queue: queue.Queue[tuple[AdapterEntry, PredictionRecord]] = queue.Queue(
            maxsize=queue_size
        )
        self._thread = LazyThread(self._run, "roost-shadow")

    def problems(self) -> dict[str, str]:
        """Return, by model name, why its shadow cannot run."""
        return dict(self._problems)

    def observe(self, record: PredictionRecord) -> None:
        """Queue the rows for the model's shadow; drop them when the queue is full."""
        shadow = self._shadows.get(record.name)
        if shadow is None or shadow.version == record.version:
            return
        try:
            self._queue.put_nowait((shadow, record))
        except queue.Full:
            self._metrics.dropped.labels(record.name, shadow.version).inc()
            return
        self._thread.start()

    def _run(self) -> None:
        while True:
            shadow, record = self._queue.get()
            try:
                self._shadow(shadow, record)
            except Exception:
                # NOTE: the thread must outlive any one shadow's failure.
                self._metrics.errors.labels(record.name, str(shadow.version)).inc()
                logger.exception(
                    "shadow %s %s failed on a request answered by %s",
                    record.name,
                    shadow.version,
                    record.version,
                )
            finally:
                self._queue.task_done()

    def _shadow(self, shadow: AdapterEntry, record: PredictionRecord) -> None:
        """Predict the record's rows with the shadow; record how far it is."""
        version = str(shadow.version)
        if not shadow.ready or shadow.adapter is None:
            raise RuntimeError(f"not ready: {shadow.error or 'not loaded'}")
        started = time.perf_counter()
        columns = predict_outputs(
            shadow.adapter,
            record.frame,
            record.name,
            version,
            {output.name for output in record.declared},
        )
        self._metrics.latency.labels(record.name, version).observe(
            time.perf_counter() - started
        )
        for comparison in compare_outputs(record.declared, record.outputs, columns):
            labels = (record.name, record.version, version, comparison.output)
            self._metrics.compared.labels(*labels).inc(comparison.rows)
            if comparison.differences:
                histogram = self._metrics.difference.labels(*labels)
                for difference in comparison.differences:
                    histogram.observe(difference)
            else:
                self._metrics.disagreements.labels(*labels).inc(
                    comparison.disagreements
                )
