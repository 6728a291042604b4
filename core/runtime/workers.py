"""gunicorn's threaded worker, with new connections spread evenly over workers.

Every worker polls the one listening socket and the first to wake takes a
new connection. When clients open several keep-alive connections at once
(load balancers, connection pools, load generators), a worker already
running on a CPU tends to win every race, so one process may end up holding
all of them and serve them on one core while its siblings idle.
`BalancedThreadWorker` publishes its open-connection count in memory the
master shares with every worker; a worker holding more connections than its
least-loaded sibling lets a new connection wait a moment (at most
`MAX_DEFER`) for that sibling to take it. A worker that has as few as any
never waits, so someone always accepts. Steady keep-alive traffic accepts
nothing and pays nothing.

On a reload it also retires itself, gracefully, once every worker of the
newest generation is ready (`roost.core.runtime.control.generations`).
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import time
from collections.abc import Iterable
from typing import Any

from gunicorn.workers.gthread import ThreadWorker

from roost.core.runtime.control.generations import Generations

__all__ = ["DEFER_STEP", "MAX_DEFER", "AcceptBalance", "BalancedThreadWorker"]

#: Longest a busier worker leaves a new connection to a sibling (seconds).
MAX_DEFER = 0.002
#: How often it looks again meanwhile.
DEFER_STEP = 0.0002
_FREE = -1


class AcceptBalance:
    """Open-connection counts per worker slot, shared by the master's children.

    Made in the master before any worker forks. Slots are handed out by the
    master (`claim`, `release`); each worker writes only its own slot. Counts
    are read without locks: a stale value only shifts which worker accepts.
    """

    def __init__(self, slots: int = 256) -> None:
        self._counts = multiprocessing.RawArray(ctypes.c_long, [_FREE] * slots)

    def claim(self, taken: Iterable[int | None]) -> int | None:
        """Return a slot for a new worker (not yet accepting), or None if full."""
        busy = set(taken)
        for slot in range(len(self._counts)):
            if slot not in busy:
                self._counts[slot] = _FREE
                return slot
        return None

    def release(self, slot: int | None) -> None:
        """Forget a worker that stopped accepting or exited."""
        if slot is not None:
            self._counts[slot] = _FREE

    def publish(self, slot: int | None, count: int) -> None:
        """Record how many connections the worker in `slot` holds."""
        if slot is not None:
            self._counts[slot] = count

    def fewest_elsewhere(self, slot: int | None) -> int | None:
        """Return the smallest count among the other accepting workers."""
        counts = [
            count
            for index, count in enumerate(self._counts)
            if index != slot and count != _FREE
        ]
        return min(counts) if counts else None


class BalancedThreadWorker(ThreadWorker):
    """gthread, deferring new connections to less loaded sibling workers.

    The master attaches `roost_balance` and `roost_slot`, `roost_generations`
    and `roost_generation` before forking (roost's pre_fork hooks); without
    them this is gunicorn's gthread worker.
    """

    roost_balance: AcceptBalance | None = None
    roost_slot: int | None = None
    roost_generations: Generations | None = None
    roost_generation = 0
    _open = 0
    _retiring = False

    @property
    def nr_conns(self) -> int:
        """Open connections; every change is published for the siblings."""
        return self._open

    @nr_conns.setter
    def nr_conns(self, value: int) -> None:
        self._open = value
        if self.roost_balance is not None and self.alive and self.booted:
            self.roost_balance.publish(self.roost_slot, value)

    def run(self) -> None:
        """Start accepting: appear to the siblings, then run gthread's loop."""
        if self.roost_balance is not None:
            self.roost_balance.publish(self.roost_slot, self._open)
        try:
            super().run()
        finally:
            self._withdraw()

    def notify(self) -> None:
        """Tell the master this worker lives; retire once superseded.

        gthread calls this at least once a second. Retiring is a SIGTERM to
        itself, so it takes the very path of a graceful stop: readiness
        drains, accepting stops, accepted requests finish.
        """
        super().notify()
        generations = self.roost_generations
        if (
            generations is not None
            and self.alive
            and not self._retiring
            and generations.superseded(self.roost_generation)
        ):
            self._retiring = True
            self.log.info(
                "worker %s retires: generation %d is ready",
                os.getpid(),
                generations.settled,
            )
            os.kill(os.getpid(), signal.SIGTERM)

    def handle_exit(self, sig: int, frame: Any) -> None:
        """Stop drawing connections the moment a graceful stop begins."""
        self._withdraw()
        super().handle_exit(sig, frame)

    def accept(self, listener: Any) -> None:
        """Accept, after leaving a moment to a sibling that holds fewer."""
        balance = self.roost_balance
        if balance is not None:
            deadline = time.monotonic() + MAX_DEFER
            while time.monotonic() < deadline:
                fewest = balance.fewest_elsewhere(self.roost_slot)
                if fewest is None or self._open <= fewest:
                    break
                time.sleep(DEFER_STEP)
        super().accept(listener)  # a sibling may have taken it: EAGAIN, ignored

    def _withdraw(self) -> None:
        if self.roost_balance is not None:
            self.roost_balance.release(self.roost_slot)
