"""Python's garbage collector in a serving worker: fewer, cheaper collections.

CPython collects its youngest generation whenever 700 more container objects
are alive than at the last collection. A request of a thousand records holds
more than that for a moment (a tuple per record, lists per column), so every
such request paid one or more collections, each traversing what the request
still held; the older generations add passes over everything that survived,
models and libraries included. Once a worker has loaded its models,
`settle_worker_heap` moves all it holds out of the collector's sight
(`gc.freeze`) and raises the young generation's threshold, so collections
come rarely and look at little. Reference counting still frees almost
everything at once; only cyclic garbage waits longer.
"""

from __future__ import annotations

import gc
import logging
from dataclasses import dataclass

__all__ = ["HeapSettled", "settle_worker_heap"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class HeapSettled:
    """What `settle_worker_heap` left: frozen objects and the thresholds."""

    frozen: int
    thresholds: tuple[int, int, int]


def settle_worker_heap(young_threshold: int) -> HeapSettled:
    """Freeze what is loaded; collect the young generation every `young_threshold`.

    0 keeps Python's thresholds (the heap is frozen all the same). Logs what
    it did, once per worker.
    """
    gc.collect()
    gc.freeze()
    if young_threshold > 0:
        _, middle, oldest = gc.get_threshold()
        gc.set_threshold(young_threshold, middle, oldest)
    settled = HeapSettled(gc.get_freeze_count(), gc.get_threshold())
    logger.info(
        "garbage collector: %d objects frozen after loading; thresholds %s "
        "(ROOST_GC_YOUNG_THRESHOLD)",
        settled.frozen,
        "/".join(str(value) for value in settled.thresholds),
    )
    return settled
