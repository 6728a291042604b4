"""Hold a process's native thread pools (BLAS, OpenMP, Arrow) to a given size.

Dask asks its workers for one native thread per task thread through
environment variables (OMP_NUM_THREADS and the like), read when a library
loads. Workers forked from a process that already loaded numpy, an OpenMP
runtime and pyarrow keep that process's pools, one thread per core each:
two workers on two cores then run four threads or more.
`hold_native_threads` sets the pools' sizes directly.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

__all__ = ["hold_native_threads"]

#: The size this thread last held the pools to.
_held = threading.local()


@functools.cache
def _controller() -> Any:
    """This process's threadpoolctl controller (scanning libraries takes ~10 ms)."""
    from threadpoolctl import ThreadpoolController  # noqa: PLC0415 - Dask only

    return ThreadpoolController()


def hold_native_threads(count: int | None) -> None:
    """Limit BLAS, OpenMP and Arrow to `count` threads from now on.

    None leaves them as they are. The libraries are those loaded when this
    process first asks (load the adapter before). OpenMP's limit holds for
    the calling thread, BLAS's and Arrow's for the process, so call it from
    the thread that computes; a second call with the same count does nothing.

    NOTE: the limits are kept, not undone after each task: a LocalCluster's
    workers score nothing else, and resizing the pools twice per task
    restarts their threads for nothing.
    """
    if count is None or getattr(_held, "count", None) == count:
        return
    import pyarrow as pa  # noqa: PLC0415 - only batch jobs need pyarrow

    pa.set_cpu_count(count)
    _controller().limit(limits=count)
    _held.count = count
