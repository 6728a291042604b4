"""CPU affinity: each gunicorn worker on a core of its own.

A worker's threads take turns on the GIL, so a worker of a model that holds
the GIL uses one core at a time anyway. Left free, the kernel moves its
threads between cores at every hand-over (request thread, prediction pool,
keep-alive poller) and each move starts on a cold cache. Pinning each worker
to one core, as nginx's `worker_cpu_affinity auto` does, keeps its data warm.

By default (`auto`) workers are pinned only when there is exactly one per
usable CPU: the layout that already gives each worker one core's worth of
time. With fewer workers than CPUs nothing is pinned, so that models that
compute on several cores (BLAS, native runtimes with their own threads)
keep them; `on` and `off` force either way.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

__all__ = [
    "AFFINITY_MODES",
    "can_pin",
    "cpu_for_slot",
    "pin_to",
    "pins_workers",
    "usable_cpus",
]

#: `on`: worker slot n runs on the n-th usable CPU (round-robin); `off`: the
#: kernel places workers; `auto`: `on` when workers and usable CPUs are as many.
AFFINITY_MODES = ("auto", "on", "off")


def pins_workers(mode: str, workers: int, cpus: Sequence[int]) -> bool:
    """Say whether `mode` pins `workers` workers on these usable CPUs."""
    if mode not in AFFINITY_MODES:
        raise ValueError(f"cpu_affinity {mode!r} is not one of {AFFINITY_MODES}")
    if mode == "auto":
        return workers == len(cpus)
    return mode == "on"


def can_pin() -> bool:
    """Say whether this platform can pin processes to CPUs (Linux can)."""
    return hasattr(os, "sched_getaffinity") and hasattr(os, "sched_setaffinity")


def usable_cpus() -> list[int]:
    """Return the CPUs this process may run on, in order."""
    return sorted(os.sched_getaffinity(0))


def cpu_for_slot(slot: int, cpus: Sequence[int]) -> int:
    """Return the CPU for worker slot `slot`: round-robin over `cpus`."""
    if not cpus:
        raise ValueError("no CPU to pin to")
    return cpus[slot % len(cpus)]


def pin_to(cpu: int) -> None:
    """Pin the calling process to `cpu`; threads it starts later follow."""
    os.sched_setaffinity(0, {cpu})
