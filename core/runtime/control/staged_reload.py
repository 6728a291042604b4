"""The gunicorn hooks that stage a reload: new workers ready, then old ones go.

On SIGHUP gunicorn starts a new set of workers and, left alone, stops the old
ones at once. `on_reload` raises the worker target by the old workers'
number, so gunicorn stops none of them; each old worker retires by itself
once every new one is ready, and `child_exit` lowers the target again as
each old one leaves. The hooks also keep the worker reports `roost reload`
reads (`roost.core.runtime.control.worker_reports`).

A new worker that stops before it is ready (its app could not be built)
gives the reload up: the other new workers are stopped and the old ones
serve on. gunicorn halts the whole server when a worker fails to boot, which
at start (and for a replaced worker once a reload has settled) is right;
during a reload such a worker exits with status 1 instead, so that the
master never stops the workers that serve.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from roost.core.runtime.control.generations import Generations
from roost.core.runtime.control.worker_reports import (
    WorkerReport,
    clear_reports,
    remove_worker_report,
    write_generation,
    write_worker_report,
)

__all__ = ["RELOAD_BOOT_FAILURE", "StagedReload"]

#: Exit status of a worker that could not start during a reload (gunicorn's
#: own boot-failure statuses, 3 and 4, make the master halt).
RELOAD_BOOT_FAILURE = 1


def _generations(server: Any) -> Generations:
    """Return the master's generations, made once per master.

    NOTE: kept on the arbiter, not in the hooks: a reload re-reads the
    configuration and so builds new hooks, while old and new workers must
    share one record.
    """
    generations = getattr(server, "roost_generations", None)
    if generations is None:
        generations = Generations()
        server.roost_generations = generations
    return generations


def _adapter_states(worker: Any) -> dict[str, str | None]:
    """Return each adapter version's state in a worker: None if ready, else why."""
    dataplane = getattr(worker.wsgi, "dataplane", None)
    if dataplane is None:
        return {}
    return {
        f"{entry.name} {entry.version or '-'}": None if entry.ready else entry.error
        for entry in dataplane.registry.entries()
    }


class StagedReload:
    """The hooks that let old workers serve until a reload's workers are ready.

    Args:
        reports: the folder for worker reports; None keeps no reports.
    """

    def __init__(self, reports: Path | None) -> None:
        self._reports = reports

    def _report(self, log: Any, write: Callable[[Path], None]) -> None:
        """Update the reports; a failure is logged, never raised.

        NOTE: an exception in a worker's hook before it serves would make
        gunicorn halt the whole server, and one in the master's hooks would
        stop its main loop: the reports are never worth that.
        """
        if self._reports is None:
            return
        try:
            write(self._reports)
        except OSError as exc:
            log.warning("cannot update the worker reports for roost reload: %s", exc)

    def _begin(self, server: Any) -> int:
        generation = _generations(server).begin(server.cfg.workers)
        wanted = server.cfg.workers
        self._report(
            server.log, lambda folder: write_generation(folder, generation, wanted)
        )
        return generation

    def on_starting(self, server: Any) -> None:
        """Begin the first generation, with no reports left from an earlier run."""
        if self._reports is not None:
            clear_reports(self._reports)
        self._begin(server)

    def on_reload(self, server: Any) -> None:
        """Begin a generation; keep every old worker until it is ready."""
        serving = len(server.WORKERS)
        generation = self._begin(server)
        server.num_workers = serving + server.cfg.workers
        server.log.info(
            "reload: generation %d starts %d worker(s); %d keep serving until "
            "they are ready",
            generation,
            server.cfg.workers,
            serving,
        )

    def pre_fork(self, server: Any, worker: Any) -> None:
        """Hand a new worker the generations and its generation's number."""
        generations = _generations(server)
        generations.forget(getattr(worker, "roost_slot", None))
        worker.roost_generations = generations
        worker.roost_generation = generations.current

    def post_worker_init(self, worker: Any) -> None:
        """Mark the worker ready (its app is built) and report its adapters."""
        generations: Generations | None = getattr(worker, "roost_generations", None)
        if generations is None:
            return
        generation = worker.roost_generation
        report = WorkerReport(worker.pid, generation, _adapter_states(worker))
        self._report(worker.log, lambda folder: write_worker_report(folder, report))
        settled = generations.mark_ready(
            getattr(worker, "roost_slot", None), generation
        )
        if settled and generation > 1:
            worker.log.info("generation %d is ready; older workers retire", generation)

    def worker_exit(self, server: Any, worker: Any) -> None:
        """Exit with a status that never halts the master, during a reload.

        gunicorn's last step in a worker; it would exit with its boot-failure
        status next, which makes the master stop every worker.
        """
        generations: Generations | None = getattr(worker, "roost_generations", None)
        if (
            generations is not None
            and not worker.booted
            and generations.in_reload(worker.roost_generation)
        ):
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(RELOAD_BOOT_FAILURE)

    def child_exit(self, server: Any, worker: Any) -> None:
        """Forget a worker; once an old one leaves, want one worker fewer."""
        generations = _generations(server)
        slot = getattr(worker, "roost_slot", None)
        generation = getattr(worker, "roost_generation", 0)
        ready = generations.is_ready(slot, generation)
        generations.forget(slot)
        pid = worker.pid
        self._report(server.log, lambda folder: remove_worker_report(folder, pid))
        if generation < generations.current:
            if server.num_workers > server.cfg.workers:
                server.num_workers -= 1
        elif not ready and generations.in_reload(generation) and generations.wanted:
            self._give_up(server, generations, pid)

    def _give_up(self, server: Any, generations: Generations, pid: int) -> None:
        """Stop the newest generation's other workers; the older ones serve on."""
        generations.abandon()
        generation = generations.current
        born = {
            other: getattr(worker, "roost_generation", 0)
            for other, worker in server.WORKERS.items()
        }
        older = sum(1 for of in born.values() if of < generation)
        server.num_workers = older or server.cfg.workers
        for other, of in born.items():
            if of == generation:
                server.kill_worker(other, signal.SIGTERM)
        failure = (
            f"new worker {pid} stopped before it was ready (see the server's log); "
            f"{older} earlier worker(s) serve on"
        )
        server.log.error("reload of generation %d given up: %s", generation, failure)
        self._report(
            server.log,
            lambda folder: write_generation(folder, generation, 0, failure),
        )

    def on_exit(self, server: Any) -> None:
        """Remove the reports with the server."""
        if self._reports is not None:
            shutil.rmtree(self._reports, ignore_errors=True)
