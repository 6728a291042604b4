"""A bounded queue drained by its own thread: a request never waits on a sink."""

from __future__ import annotations

import logging
import queue
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from roost.core.runtime.lazy_thread import LazyThread

if TYPE_CHECKING:
    from roost.core.runtime.metrics import Metrics
    from roost.core.serving.prediction_records import PredictionRecord

__all__ = ["Deliver", "QueuedSink"]

logger = logging.getLogger(__name__)

#: Sends some records on; returns how many arrived (the rest were lost).
Deliver = Callable[[Sequence["PredictionRecord"]], int]
#: Most records one delivery takes, so one slow batch cannot grow unbounded.
_MOST_PER_DELIVERY = 256
#: After a failed delivery, records are dropped for this long, not retried.
_PAUSE_AFTER_FAILURE = 1.0


class QueuedSink:
    """Hand records to `deliver` on a background thread; drop them when full.

    `offer` never blocks: a full queue drops the record and counts it in
    `roost_payload_log_dropped_total{sink}`. The thread takes what has
    queued up, delivers it in one call and counts the lines written. A
    failed delivery drops its records, and for a second after it the sink
    drops new ones too, so a dead receiver costs no retry storm.
    """

    def __init__(
        self, sink: str, deliver: Deliver, capacity: int, metrics: Metrics
    ) -> None:
        self.sink = sink
        self._deliver = deliver
        self._queue: queue.Queue[PredictionRecord | None] = queue.Queue(capacity)
        self._written = metrics.payload_log_written.labels(sink)
        self._dropped = metrics.payload_log_dropped.labels(sink)
        self._paused_until = 0.0
        self._thread = LazyThread(self._run, f"payload-log-{sink}")

    def offer(self, record: PredictionRecord) -> None:
        """Queue one record for delivery, or count it dropped; never block."""
        self._thread.start()
        try:
            self._queue.put_nowait(record)
        except queue.Full:
            self._dropped.inc()

    def close(self, timeout: float = 2.0) -> None:
        """Deliver what is queued within `timeout` seconds, then stop."""
        thread = self._thread.thread
        if thread is None or not thread.is_alive():
            return
        try:
            self._queue.put(None, timeout=timeout)
        except queue.Full:
            return
        thread.join(timeout)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            stop = False
            while len(batch) < _MOST_PER_DELIVERY:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stop = True
                    break
                batch.append(item)
            self._deliver_batch(batch)
            if stop:
                return

    def _deliver_batch(self, batch: list[PredictionRecord]) -> None:
        if time.monotonic() < self._paused_until:
            self._dropped.inc(len(batch))
            return
        try:
            delivered = self._deliver(batch)
        except Exception:  # a sink's failure must never reach a request
            logger.exception("payload log %s lost %d record(s)", self.sink, len(batch))
            delivered = 0
        if delivered:
            self._written.inc(delivered)
        if delivered < len(batch):
            self._dropped.inc(len(batch) - delivered)
            self._paused_until = time.monotonic() + _PAUSE_AFTER_FAILURE
