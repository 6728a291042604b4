"""Admission control: bounded predictions per worker, each with a deadline."""

from __future__ import annotations

import concurrent.futures
import contextvars
import threading
from collections.abc import Callable
from typing import TypeVar

from roost.core.errors import DeadlineExceededError, OverloadedError

__all__ = ["Admission"]

T = TypeVar("T")


class Admission:
    """Runs predictions on a bounded pool; refuses work beyond it.

    A request waits at most `queue_timeout` for a free slot (else 503), then
    hands its prediction to the pool and waits at most the deadline. Past it
    the client gets 504 at once while the prediction finishes in the
    background, still holding its slot, so a slow model cannot pile up
    unbounded work: new requests are refused (503) until slots free up.
    gunicorn's own `timeout` does not bound requests on threaded workers,
    which is why this exists.

    A deadline of 0 means none: predictions then run on the request's own
    thread, within the same slots, which saves the hand-over to the pool
    (about 10% more requests/s for a fast model) but answers a slow
    prediction only when it ends.
    """

    def __init__(
        self, max_in_flight: int, deadline: float, queue_timeout: float = 1.0
    ) -> None:
        self.max_in_flight = max_in_flight
        self.deadline = deadline
        self.queue_timeout = queue_timeout
        self._slots = threading.BoundedSemaphore(max_in_flight)
        self._pool = (
            concurrent.futures.ThreadPoolExecutor(
                max_workers=max_in_flight, thread_name_prefix="roost-predict"
            )
            if deadline > 0
            else None
        )

    def run(self, work: Callable[[], T]) -> T:
        """Run `work` in the pool and wait for it, within the deadline.

        Without a deadline, run it here instead.

        Raises:
            OverloadedError: every slot is taken.
            DeadlineExceededError: `work` did not finish in time.
        """
        if not self._slots.acquire(timeout=self.queue_timeout):
            raise OverloadedError(self.max_in_flight)
        if self._pool is None:
            try:
                return work()
            finally:
                self._slots.release()
        try:
            # copy_context keeps the request id visible in the pool's log lines
            future = self._pool.submit(contextvars.copy_context().run, work)
        except BaseException:
            self._slots.release()
            raise
        future.add_done_callback(lambda _: self._slots.release())
        try:
            return future.result(timeout=self.deadline)
        except concurrent.futures.TimeoutError:
            raise DeadlineExceededError(self.deadline) from None
