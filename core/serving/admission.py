"""Admission control: bounded predictions per worker, each with a deadline."""

from __future__ import annotations

import contextvars
import itertools
import logging
import queue
import threading
import time
import weakref
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from roost.core.errors import DeadlineExceededError, OverloadedError

__all__ = ["INLINE_AFTER", "Admission"]

logger = logging.getLogger(__name__)

T = TypeVar("T")
#: Predictions in a row, each under `inline_below`, after which a model's
#: next ones run on the request's own thread.
INLINE_AFTER = 16


class _Job(Generic[T]):
    """One prediction handed to a predicting thread, and what came of it."""

    __slots__ = ("context", "done", "error", "result", "seconds", "work")

    def __init__(self, work: Callable[[], T]) -> None:
        self.work = work
        # The request id stays visible in the predicting thread's log lines.
        self.context = contextvars.copy_context()
        #: Held until the work ends; the request waits on it, up to the deadline.
        self.done = threading.Lock()
        self.done.acquire()
        self.result: T | None = None
        self.error: BaseException | None = None
        #: How long the work itself ran, once it ended.
        self.seconds = 0.0


class Admission:
    """Runs predictions on bounded threads; refuses work beyond them.

    A request waits at most `queue_timeout` for a free slot (else 503), then
    hands its prediction to a predicting thread and waits at most the
    deadline. Past it the client gets 504 at once while the prediction
    finishes in the background, still holding its slot, so a slow model
    cannot pile up unbounded work: new requests are refused (503) until
    slots free up. gunicorn's own `timeout` does not bound requests on
    threaded workers, which is why this exists.

    There is one predicting thread per slot, started on first use; a
    request hands over its prediction through a queue and waits on one lock
    (not a future and its condition: two thread switches are the whole cost).

    A deadline of 0 means none: predictions then run on the request's own
    thread, within the same slots, which saves the hand-over but answers a
    slow prediction only when it ends.

    With `inline_below` above 0, a model (the `key` of `run`) whose last
    `INLINE_AFTER` predictions each took less than that many seconds runs
    its next ones on the request's own thread too: for a fast model the
    hand-over is most of the wait. It is handed over again as soon as one
    prediction takes longer, or while any prediction running inline has run
    longer: a model that stalls gets its 504s at the deadline, except for
    the predictions already running inline, which are answered when they end.
    """

    def __init__(
        self,
        max_in_flight: int,
        deadline: float,
        queue_timeout: float = 1.0,
        inline_below: float = 0.0,
    ) -> None:
        self.max_in_flight = max_in_flight
        self.deadline = deadline
        self.queue_timeout = queue_timeout
        self.inline_below = inline_below if deadline > 0 else 0.0
        #: Predictions in a row under `inline_below`, per key (capped).
        self._fast_runs: dict[Hashable, int] = {}
        #: When each prediction now running inline started.
        self._inline_since: dict[int, float] = {}
        self._tokens = itertools.count()
        self._slots = threading.BoundedSemaphore(max_in_flight)
        self._jobs: queue.SimpleQueue[_Job[object] | None] | None = (
            queue.SimpleQueue() if deadline > 0 else None
        )
        self._started = False
        self._start = threading.Lock()

    def run(self, work: Callable[[], T], key: Hashable = None) -> T:
        """Run `work` on a predicting thread and wait for it, within the deadline.

        Without a deadline, or when the model `key` has been fast (see the
        class), run it here instead.

        Raises:
            OverloadedError: every slot is taken.
            DeadlineExceededError: `work` did not finish in time.
        """
        if not self._slots.acquire(timeout=self.queue_timeout):
            raise OverloadedError(self.max_in_flight)
        jobs = self._jobs
        if jobs is None:
            try:
                return work()
            finally:
                self._slots.release()
        if self._runs_inline(key):
            return self._run_inline(work, key)
        try:
            job = _Job(work)
            if not self._started:
                self._start_threads()
            jobs.put(job)  # type: ignore[arg-type] # read back as _Job[T] below
        except BaseException:
            self._slots.release()
            raise
        if not job.done.acquire(timeout=self.deadline):
            self._note(key, self.deadline)
            raise DeadlineExceededError(self.deadline)
        self._note(key, job.seconds)
        if job.error is not None:
            raise job.error
        return job.result  # type: ignore[return-value] # set: the work returned

    def _runs_inline(self, key: Hashable) -> bool:
        """Say whether `key` has been fast and nothing inline is running long."""
        if self.inline_below <= 0 or self._fast_runs.get(key, 0) < INLINE_AFTER:
            return False
        running = self._inline_since
        if running:
            try:
                oldest = min(running.values())
            except ValueError:  # emptied meanwhile by another thread
                return True
            except RuntimeError:  # changed meanwhile (no GIL): hand over, to be safe
                return False
            if time.perf_counter() - oldest > self.inline_below:
                return False
        return True

    def _run_inline(self, work: Callable[[], T], key: Hashable) -> T:
        """Run `work` on this thread, in the slot this request holds."""
        token = next(self._tokens)
        started = time.perf_counter()
        self._inline_since[token] = started
        try:
            return work()
        finally:
            del self._inline_since[token]
            self._slots.release()
            self._note(key, time.perf_counter() - started)

    def _note(self, key: Hashable, seconds: float) -> None:
        """Count a fast prediction of `key`, or start its count again."""
        if self.inline_below <= 0:
            return
        runs = self._fast_runs.get(key, 0)
        if seconds < self.inline_below:
            if runs < INLINE_AFTER:
                self._fast_runs[key] = runs + 1
                if runs + 1 == INLINE_AFTER:
                    logger.info(
                        "%s: %d predictions in a row under %g s; the next run on "
                        "the request's thread",
                        key,
                        INLINE_AFTER,
                        self.inline_below,
                    )
            return
        self._fast_runs[key] = 0
        if runs >= INLINE_AFTER:
            logger.info(
                "%s: a prediction took %.3g s (over %g s); predictions are "
                "handed to the predicting threads again",
                key,
                seconds,
                self.inline_below,
            )

    def _start_threads(self) -> None:
        # NOTE: started on first use, in the worker, never in gunicorn's master.
        with self._start:
            if self._started or self._jobs is None:
                return
            # The threads hold the queue and the slots, not this object: once
            # it is collected (an app built and dropped), they are told to end.
            # Marked started even if a thread fails to start, so a retry never
            # adds threads; the ones that started are told to end all the same.
            started = 0
            try:
                for number in range(self.max_in_flight):
                    threading.Thread(
                        target=_predict_jobs,
                        args=(self._jobs, self._slots),
                        name=f"roost-predict_{number}",
                        daemon=True,
                    ).start()
                    started += 1
            finally:
                self._started = True
                weakref.finalize(self, _stop, self._jobs, started)


def _stop(jobs: queue.SimpleQueue[_Job[object] | None], threads: int) -> None:
    """Tell every predicting thread to end once the queued jobs are done."""
    for _ in range(threads):
        jobs.put(None)


def _predict_jobs(
    jobs: queue.SimpleQueue[_Job[object] | None], slots: threading.BoundedSemaphore
) -> None:
    """Run handed-over predictions, one at a time, until told to end."""
    while True:
        job = jobs.get()
        if job is None:
            return
        started = time.perf_counter()
        try:
            job.result = job.context.run(job.work)
        except BaseException as exc:  # noqa: BLE001 - re-raised on the request's thread
            job.error = exc
        finally:
            job.seconds = time.perf_counter() - started
            slots.release()
            job.done.release()
        del job  # NOTE: not kept alive while waiting for the next one
