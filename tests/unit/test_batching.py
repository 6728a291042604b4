"""Micro-batching merges concurrent frames and hands each its own rows back."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pandas as pd
import pytest

from roost.core.serving.micro_batching import MicroBatcher


class Recorder:
    """A predict function that doubles x and remembers each call's size."""

    def __init__(self) -> None:
        self.calls: list[int] = []
        self._lock = threading.Lock()

    def __call__(self, frame: pd.DataFrame) -> dict[str, list[Any]]:
        """Return 2x per row; refuse negative x."""
        if (frame["x"] < 0).any():
            raise ValueError("negative x")
        with self._lock:
            self.calls.append(len(frame))
        return {"predictions": (frame["x"] * 2).tolist()}


def _frame(*xs: float) -> pd.DataFrame:
    return pd.DataFrame({"x": list(xs)})


class TestMicroBatcher:
    """Results are per request; calls are fewer under concurrency."""

    def test_single_request_is_predicted_alone(self) -> None:
        """With nobody else waiting, a frame is predicted on its own."""
        recorder = Recorder()
        batcher = MicroBatcher(recorder, max_rows=64, max_wait=0.001)
        assert batcher.predict(_frame(1, 2)) == {"predictions": [2, 4]}
        assert recorder.calls == [2]

    def test_concurrent_requests_share_calls(self) -> None:
        """Forty concurrent one-row requests take fewer calls and get their own rows."""
        recorder = Recorder()
        batcher = MicroBatcher(recorder, max_rows=64, max_wait=0.05)
        barrier = threading.Barrier(40)

        def ask(x: int) -> dict[str, list[Any]]:
            barrier.wait()
            return batcher.predict(_frame(x))

        with ThreadPoolExecutor(max_workers=40) as pool:
            results = list(pool.map(ask, range(40)))
        assert results == [{"predictions": [2 * x]} for x in range(40)]
        assert sum(recorder.calls) == 40
        assert len(recorder.calls) < 40

    def test_max_rows_bounds_a_batch(self) -> None:
        """No merged call exceeds max_rows unless one frame alone does."""
        recorder = Recorder()
        batcher = MicroBatcher(recorder, max_rows=5, max_wait=0.05)
        with ThreadPoolExecutor(max_workers=20) as pool:
            list(pool.map(lambda x: batcher.predict(_frame(x, x)), range(20)))
        assert max(recorder.calls) <= 6  # the frame that crosses 5 still joins

    def test_one_bad_request_does_not_fail_its_neighbours(self) -> None:
        """A merged call that fails is retried frame by frame."""
        recorder = Recorder()
        batcher = MicroBatcher(recorder, max_rows=64, max_wait=0.05)
        barrier = threading.Barrier(6)

        def ask(x: int) -> dict[str, list[Any]] | str:
            barrier.wait()
            try:
                return batcher.predict(_frame(x))
            except ValueError as exc:
                return str(exc)

        with ThreadPoolExecutor(max_workers=6) as pool:
            results = list(pool.map(ask, [1, 2, -1, 3, 4, 5]))
        assert [r if isinstance(r, str) else r["predictions"] for r in results] == [
            [2],
            [4],
            "negative x",
            [6],
            [8],
            [10],
        ]

    def test_errors_reach_a_lone_request(self) -> None:
        """A lone failing frame raises in its caller."""
        batcher = MicroBatcher(Recorder(), max_rows=8, max_wait=0.001)
        with pytest.raises(ValueError, match="negative x"):
            batcher.predict(_frame(-1))
