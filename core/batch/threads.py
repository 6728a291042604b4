"""Hold a task's native thread pools (BLAS, OpenMP, Arrow) to a given size.

Dask asks its workers for one native thread per task thread through
environment variables (OMP_NUM_THREADS and the like), read when a library
loads. Workers forked from a process that already loaded numpy, an OpenMP
runtime and pyarrow keep that process's pools, one thread per core each:
two workers on two cores then run four threads or more. `limit_native_threads`
sets the pools' sizes directly, for the duration of a task.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from typing import Any

__all__ = ["limit_native_threads"]


@functools.cache
def _controller() -> Any:
    """This process's threadpoolctl controller (scanning libraries takes ~10 ms)."""
    from threadpoolctl import ThreadpoolController  # noqa: PLC0415 - Dask only

    return ThreadpoolController()


@contextlib.contextmanager
def limit_native_threads(count: int | None) -> Iterator[None]:
    """Limit BLAS, OpenMP and Arrow to `count` threads inside the block.

    None leaves them as they are. The libraries are those loaded when this
    process first asks (load the adapter before); OpenMP's limit holds for
    the calling thread, BLAS's and Arrow's for the process.
    """
    if count is None:
        yield
        return
    import pyarrow as pa  # noqa: PLC0415 - only batch jobs need pyarrow

    arrow = pa.cpu_count()
    pa.set_cpu_count(count)
    try:
        with _controller().limit(limits=count):
            yield
    finally:
        pa.set_cpu_count(arrow)
