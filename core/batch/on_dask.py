"""Run a batch-scoring job on dask.distributed, one task per input piece.

The job runs on a `LocalCluster` of worker processes (one thread each)
started for it, or on an existing scheduler given by address. Every task
scores one piece with the same code as the local engine and writes its own
part files, so the output is a folder; each worker process loads the adapter
once and keeps it for the tasks that follow. A `LocalCluster` forks its
workers from this process after it has loaded the adapter, so they start
with it loaded instead of importing and loading everything again; since
forked workers also keep this process's native thread pools, each task
holds BLAS, OpenMP and Arrow to its share of the cores. Row positions (the
ids when no id column is named) come from Parquet metadata; CSV files are
counted first, one extra read each. Workers must see the input, the output
folder and the model directory at the same paths, and have the adapter
installed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import multiprocessing
import os
import time
from collections.abc import Iterator, Sequence
from itertools import accumulate
from typing import Any

from roost.core.batch.inputs import Piece, count_rows
from roost.core.batch.job import BatchJob, Counts, run_piece, scorer_for
from roost.core.batch.local import Summary, known_total, progress_bar
from roost.core.batch.outputs import OutputLayout

__all__ = ["dask_client", "native_share", "run_dask"]


@contextlib.contextmanager
def dask_client(
    scheduler: str | None, workers: int, job: BatchJob | None = None
) -> Iterator[Any]:
    """Connect to `scheduler`, or start a LocalCluster of `workers` processes.

    Given a `job`, the LocalCluster's workers are forked from this process
    once it has loaded the job's adapter (POSIX only; elsewhere they are
    spawned and load it on their first task).

    Raises:
        ValueError: dask.distributed is not installed.
    """
    try:
        import dask  # noqa: PLC0415 - optional
        import threadpoolctl  # noqa: F401, PLC0415 - the tasks' native threads
        from distributed import Client, LocalCluster  # noqa: PLC0415
    except ImportError as exc:
        raise ValueError(
            f"--engine dask needs roost's dask extra ({exc}): pip install 'roost[dask]'"
        ) from exc

    if scheduler is not None:
        with Client(scheduler) as client:
            yield client
        return
    method = "spawn"
    if job is not None and "fork" in multiprocessing.get_all_start_methods():
        scorer_for(job)  # NOTE: loaded before the fork, so every worker has it
        method = "fork"
    # NOTE: each worker's statistical profiler samples the scoring thread's
    # stack every 10 ms, contending for its GIL: it doubled the time a task
    # took on two busy cores and added a quarter to its CPU time.
    with (
        dask.config.set(
            {
                "distributed.worker.multiprocessing-method": method,
                "distributed.worker.profile.enabled": False,
            }
        ),
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def native_share(workers: int) -> int:
    """Native threads per task of a LocalCluster: the cores over its workers."""
    if hasattr(os, "sched_getaffinity"):  # the cores this process may use
        cores = len(os.sched_getaffinity(0))
    else:
        cores = os.cpu_count() or 1
    return max(1, cores // workers)


def _offsets(client: Any, job: BatchJob, pieces: Sequence[Piece]) -> list[int]:
    """Return each piece's first row position, counting CSV rows if ids need it."""
    if job.id_column is not None:
        return [0] * len(pieces)
    unknown = [piece for piece in pieces if piece.rows is None]
    counted = dict(
        zip(
            (piece.index for piece in unknown),
            client.gather(client.map(count_rows, unknown, pure=False)),
            strict=True,
        )
    )
    sizes = [counted.get(piece.index, piece.rows or 0) for piece in pieces]
    return [0, *accumulate(sizes)][: len(pieces)]


def run_dask(
    job: BatchJob,
    pieces: Sequence[Piece],
    layout: OutputLayout,
    *,
    scheduler: str | None = None,
    workers: int = 2,
    progress: bool = True,
) -> Summary:
    """Score every piece as a Dask task; return the summed counts."""
    if not layout.parts:
        raise ValueError(
            "--engine dask writes a folder of part files; give --output a folder "
            "(a path without a .csv or .parquet suffix)"
        )
    started = time.perf_counter()
    summary = Summary()
    if scheduler is None:
        job = dataclasses.replace(job, native_threads=native_share(workers))
    with dask_client(scheduler, workers, job) as client:
        from distributed import as_completed  # noqa: PLC0415 - imported by now

        offsets = _offsets(client, job, pieces)
        futures = [
            client.submit(run_piece, job, piece, offset, layout, pure=False)
            for piece, offset in zip(pieces, offsets, strict=True)
        ]
        try:
            with progress_bar(known_total(pieces), progress) as bar:
                for future in as_completed(futures):
                    counts: Counts = future.result()
                    summary.counts.add(counts)
                    bar.update(counts.rows)
        finally:
            client.cancel(futures)
    summary.seconds = time.perf_counter() - started
    return summary
