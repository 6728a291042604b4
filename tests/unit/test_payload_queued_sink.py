"""The payload log's queue: a request never waits; what cannot wait is counted."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

import pandas as pd
from payload_receiver import counter_value

from roost.core.contract.outputs import Output
from roost.core.runtime.metrics import Metrics
from roost.core.serving.dataplane import PredictionRecord
from roost.core.serving.payload.queued_sink import QueuedSink

DROPPED = "roost_payload_log_dropped_total"
WRITTEN = "roost_payload_log_written_total"


def _record(x: float) -> PredictionRecord:
    return PredictionRecord(
        "echo",
        "1.0",
        None,
        pd.DataFrame({"x": [x]}),
        (0,),
        {"predictions": [x]},
        (Output.number(),),
        0.0,
        0.001,
    )


def _count(metrics: Metrics, name: str) -> float:
    return counter_value(metrics.render().decode(), name, sink="test")


class _Gate:
    """A delivery that holds the sink's thread until it is opened."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.opened = threading.Event()
        self.delivered: list[float] = []

    def __call__(self, records: Sequence[PredictionRecord]) -> int:
        self.entered.set()
        assert self.opened.wait(30)
        self.delivered.extend(record.frame["x"].iloc[0] for record in records)
        return len(records)


def _wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline
        time.sleep(0.01)


class TestQueuedSink:
    """offer() returns at once; a full queue or a failed delivery counts drops."""

    def test_a_full_queue_drops_and_counts_without_blocking(self) -> None:
        """With the thread stuck and 2 places queued, 3 more offers are dropped."""
        metrics = Metrics()
        gate = _Gate()
        sink = QueuedSink("test", gate, capacity=2, metrics=metrics)
        sink.offer(_record(0))
        assert gate.entered.wait(10)  # the thread holds record 0
        for x in range(1, 6):
            sink.offer(_record(x))  # returns at once although nothing moves
        assert _count(metrics, DROPPED) == 3
        gate.opened.set()
        _wait_until(lambda: _count(metrics, WRITTEN) == 3)
        assert gate.delivered == [0, 1, 2]
        sink.close()

    def test_a_failed_delivery_is_counted_and_not_retried(self) -> None:
        """A delivery that raises drops its records; later ones are not retried."""
        metrics = Metrics()
        calls: list[int] = []

        def broken(records: Sequence[PredictionRecord]) -> int:
            calls.append(len(records))
            raise OSError("disk full")

        sink = QueuedSink("test", broken, capacity=10, metrics=metrics)
        sink.offer(_record(1))
        _wait_until(lambda: _count(metrics, DROPPED) == 1)
        sink.offer(_record(2))  # within the pause after a failure: dropped
        _wait_until(lambda: _count(metrics, DROPPED) == 2)
        assert calls == [1]
        assert _count(metrics, WRITTEN) == 0
        sink.close()

    def test_close_delivers_what_is_queued(self) -> None:
        """Closing the sink waits for the records already offered."""
        metrics = Metrics()
        delivered: list[int] = []

        def keep(records: Sequence[PredictionRecord]) -> int:
            delivered.append(len(records))
            return len(records)

        sink = QueuedSink("test", keep, capacity=100, metrics=metrics)
        for x in range(20):
            sink.offer(_record(x))
        sink.close(timeout=10)
        assert sum(delivered) == 20
        assert _count(metrics, WRITTEN) == 20
