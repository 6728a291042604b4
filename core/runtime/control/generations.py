"""Worker generations: on a reload, old workers serve until the new ones are ready.

gunicorn's own reload (SIGHUP) starts the new workers and at once tells the
old ones to stop accepting, so nothing answers while the new workers load
their adapters. roost numbers each set of workers a reload starts (a
generation) and keeps the old set serving: each new worker marks itself
ready once its app is built and every adapter has been tried; the worker
that completes its generation settles it, and workers of older generations
then retire themselves (a graceful SIGTERM of their own).

`Generations` lives in memory the master shares with every worker it forks,
made before the first one. The master begins a generation and hands each
worker its number; each worker writes only its own slot; nothing takes a
lock, so a worker killed at any moment leaves nothing held.
"""

from __future__ import annotations

import ctypes
import multiprocessing

__all__ = ["Generations"]

_NOT_READY = 0


class Generations:
    """Which generation is newest, which one serves, and who is ready.

    The newest generation is the one the last reload began; the settled one
    is the newest whose workers were all ready at once. Slots are the
    workers' balance slots (`roost_slot`, unique among live workers); a
    worker without one never counts as ready.
    """

    def __init__(self, slots: int = 256) -> None:
        self._current = multiprocessing.RawValue(ctypes.c_long, 0)
        self._settled = multiprocessing.RawValue(ctypes.c_long, 0)
        self._wanted = multiprocessing.RawValue(ctypes.c_long, 0)
        self._ready = multiprocessing.RawArray(ctypes.c_long, [_NOT_READY] * slots)

    @property
    def current(self) -> int:
        """Return the newest generation's number (0 before the first)."""
        return int(self._current.value)

    @property
    def settled(self) -> int:
        """Return the newest generation that has been complete (0: none yet)."""
        return int(self._settled.value)

    @property
    def wanted(self) -> int:
        """Return how many workers the newest generation starts (0: given up)."""
        return int(self._wanted.value)

    def begin(self, workers: int) -> int:
        """Start a generation of `workers` workers (master); return its number."""
        self._wanted.value = workers
        self._current.value += 1
        return self.current

    def abandon(self) -> None:
        """Give up the newest generation: it never settles (master).

        Workers of older generations then serve on, until a later reload's
        generation settles.
        """
        self._wanted.value = 0

    def forget(self, slot: int | None) -> None:
        """Clear a slot: its worker is about to start or has exited (master)."""
        index = self._index(slot)
        if index is not None:
            self._ready[index] = _NOT_READY

    def mark_ready(self, slot: int | None, generation: int) -> bool:
        """Record that the worker in `slot` has built its app (worker).

        Returns:
            Whether this mark completed the newest generation and so settled it.
        """
        index = self._index(slot)
        if index is None:
            return False
        self._ready[index] = generation
        if generation != self.current or self.settled >= generation:
            return False
        if not self.complete():
            return False
        self._settled.value = generation
        return True

    def is_ready(self, slot: int | None, generation: int) -> bool:
        """Say whether the worker in `slot` marked itself ready for `generation`."""
        index = self._index(slot)
        return index is not None and self._ready[index] == generation

    def ready_count(self) -> int:
        """Count the newest generation's workers that are ready."""
        current = self.current
        return sum(1 for generation in self._ready if generation == current)

    def complete(self) -> bool:
        """Say whether every worker of the newest generation is ready now."""
        return self.ready_count() >= self.wanted > 0

    def in_reload(self, generation: int) -> bool:
        """Say whether `generation` was begun by a reload and has not settled."""
        return generation > max(1, self.settled)

    def superseded(self, generation: int) -> bool:
        """Say whether a worker of `generation` should retire now."""
        return generation < self.settled

    def _index(self, slot: int | None) -> int | None:
        """Return the slot if the table has it (None: no slot, or too many)."""
        return slot if slot is not None and 0 <= slot < len(self._ready) else None
