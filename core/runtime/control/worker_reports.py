"""What a server's workers report about themselves, in files beside the pidfile.

The master writes `generation.json` (the newest generation and how many
workers it starts) whenever it begins one; each worker writes
`worker-PID.json` (its generation and every adapter's state) once its app is
built; the master removes a worker's file when it reaps the worker. `roost
reload` reads them to know when a reload is complete and what changed.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "ServerState",
    "WorkerReport",
    "clear_reports",
    "read_state",
    "remove_worker_report",
    "write_generation",
    "write_worker_report",
]

_GENERATION = "generation.json"


@dataclass(frozen=True)
class WorkerReport:
    """One ready worker: its generation and each adapter version's state.

    `adapters` maps `"name version"` to None when ready, else the reason.
    """

    pid: int
    generation: int
    adapters: Mapping[str, str | None]


@dataclass(frozen=True)
class ServerState:
    """The newest generation, the workers it wants, and the ready workers.

    `failure` says why the newest generation was given up, if it was.
    """

    generation: int
    wanted: int
    workers: tuple[WorkerReport, ...]
    failure: str | None = None

    def complete(self) -> bool:
        """Say whether only the newest generation serves, all of it ready."""
        return (
            all(worker.generation == self.generation for worker in self.workers)
            and len(self.workers) >= self.wanted > 0
        )


def _write_json(path: Path, data: object) -> None:
    """Write atomically, so a reader never sees half a file."""
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    partial.write_text(json.dumps(data))
    partial.replace(path)


def clear_reports(folder: Path) -> None:
    """Start with an empty folder (the master, at start)."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(mode=0o700, parents=True)


def write_generation(
    folder: Path, generation: int, wanted: int, failure: str | None = None
) -> None:
    """Record that `generation` began with `wanted` workers, or failed (master)."""
    _write_json(
        folder / _GENERATION,
        {"generation": generation, "wanted": wanted, "failure": failure},
    )


def write_worker_report(folder: Path, report: WorkerReport) -> None:
    """Record that a worker is ready and how its adapters loaded (worker)."""
    _write_json(
        folder / f"worker-{report.pid}.json",
        {
            "pid": report.pid,
            "generation": report.generation,
            "adapters": dict(report.adapters),
        },
    )


def remove_worker_report(folder: Path, pid: int) -> None:
    """Forget a worker that exited (master)."""
    (folder / f"worker-{pid}.json").unlink(missing_ok=True)


def read_state(folder: Path) -> ServerState:
    """Read what the master and the workers last reported."""
    try:
        generation = json.loads((folder / _GENERATION).read_text())
    except (OSError, ValueError):
        return ServerState(0, 0, ())
    workers = []
    for path in sorted(folder.glob("worker-*.json")):
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):  # removed meanwhile
            continue
        workers.append(
            WorkerReport(int(data["pid"]), int(data["generation"]), data["adapters"])
        )
    return ServerState(
        int(generation["generation"]),
        int(generation["wanted"]),
        tuple(workers),
        generation.get("failure"),
    )
