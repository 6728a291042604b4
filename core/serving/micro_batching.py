"""Adaptive micro-batching: concurrent small requests share one predict call."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass

import pandas as pd

from roost.core.serving.outputs import OutputColumns

__all__ = ["MicroBatcher"]

logger = logging.getLogger(__name__)


@dataclass
class _Pending:
    frame: pd.DataFrame
    future: Future[OutputColumns]


class MicroBatcher:
    """Merges frames that arrive together into one `predict`, then splits it.

    A single thread per adapter version waits for the first frame, then
    gathers more until `max_rows` rows are waiting or `max_wait` seconds have
    passed since the first, and predicts them in one call. An error in a
    merged call is retried frame by frame, so one request's bad input never
    fails its neighbours. As Triton, MLServer and Clipper do: batching trades
    up to `max_wait` of latency for throughput under concurrency.
    """

    def __init__(
        self,
        predict: Callable[[pd.DataFrame], OutputColumns],
        max_rows: int,
        max_wait: float,
        name: str = "adapter",
    ) -> None:
        self._predict = predict
        self._max_rows = max_rows
        self._max_wait = max_wait
        self._queue: queue.SimpleQueue[_Pending] = queue.SimpleQueue()
        self._thread = threading.Thread(
            target=self._loop, name=f"roost-batch-{name}", daemon=True
        )
        self._thread.start()

    def predict(self, frame: pd.DataFrame) -> OutputColumns:
        """Predict `frame` as part of a batch; block until its rows are done."""
        future: Future[OutputColumns] = Future()
        self._queue.put(_Pending(frame, future))
        return future.result()

    def _gather(self) -> list[_Pending]:
        batch = [self._queue.get()]
        rows = len(batch[0].frame)
        deadline = time.monotonic() + self._max_wait
        while rows < self._max_rows:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                pending = self._queue.get(timeout=remaining)
            except queue.Empty:
                break
            batch.append(pending)
            rows += len(pending.frame)
        return batch

    def _loop(self) -> None:
        while True:
            batch = self._gather()
            if len(batch) == 1:
                self._run_alone(batch[0])
                continue
            try:
                merged = pd.concat([p.frame for p in batch], ignore_index=True)
                outputs = self._predict(merged)
            except Exception:  # noqa: BLE001 - isolate the request that failed
                for pending in batch:
                    self._run_alone(pending)
                continue
            self._hand_back(batch, outputs)

    def _hand_back(self, batch: list[_Pending], outputs: OutputColumns) -> None:
        """Give each request its own rows of a merged call's outputs."""
        start = 0
        for pending in batch:
            end = start + len(pending.frame)
            try:
                rows = {name: column[start:end] for name, column in outputs.items()}
            except Exception as exc:  # noqa: BLE001 - the loop must never die
                pending.future.set_exception(exc)
            else:
                pending.future.set_result(rows)
            start = end

    def _run_alone(self, pending: _Pending) -> None:
        try:
            pending.future.set_result(self._predict(pending.frame))
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting request
            pending.future.set_exception(exc)
