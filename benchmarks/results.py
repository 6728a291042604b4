"""What a benchmark run measured: cells, servers, the whole run.

Shared by the driver (which fills it), the targets (which read ratios from
it) and the report (which renders it).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from batch_metrics import BatchRows
from loadgen import LoadResult
from servers import Memory

__all__ = [
    "QUIET_SHARE",
    "Cell",
    "Report",
    "ServerRun",
    "best_of",
    "overhead_ms",
    "rate",
    "server_run",
]

#: Mean share of the CPU other processes may use for a run to count as quiet.
QUIET_SHARE = 0.10


@dataclass(frozen=True)
class Cell:
    """One wrk run against one server, with the server's CPU over that run."""

    load: LoadResult
    #: Server CPU (master and workers) per successful request, ms.
    cpu_ms: float | None
    #: Share of the machine's CPU used by other processes during the run.
    other_load: float | None


@dataclass
class ServerRun:
    """Everything measured for one server."""

    name: str
    label: str
    cells: dict[int, Cell] = field(default_factory=dict)
    #: 1 connection, 1 record.
    single: Cell | None = None
    memory: Memory | None = None
    #: Largest relative difference of its predictions from the reference.
    max_error: float | None = None
    startup_s: float | None = None
    failure: str | None = None
    #: The adapter calls roost's `/metrics` counted over the 1-record cell
    #: (None for other servers): a call of more than one row merged requests.
    batches: BatchRows | None = None


def best_of(runs: Sequence[ServerRun]) -> ServerRun:
    """Merge rounds of one server: each cell's fastest round, the lowest p50.

    On a shared machine a burst of other work slows whichever server runs at
    that moment; keeping each server's best round compares undisturbed runs.
    """
    measured = [run for run in runs if not run.failure]
    if not measured:
        return runs[0]
    best = ServerRun(measured[0].name, measured[0].label)
    for size in {size for run in measured for size in run.cells}:
        cells = [run.cells[size] for run in measured if size in run.cells]
        best.cells[size] = max(cells, key=lambda cell: cell.load.requests_per_s)
    singles = [run.single for run in measured if run.single is not None]
    best.single = min(singles, key=lambda c: c.load.p50_ms) if singles else None
    memories = [run.memory for run in measured if run.memory is not None]
    best.memory = max(memories, key=lambda m: m.total_mib) if memories else None
    errors = [run.max_error for run in measured if run.max_error is not None]
    best.max_error = max(errors) if errors else None
    best.startup_s = min(run.startup_s or math.inf for run in measured)
    counted = [run.batches for run in measured if run.batches is not None]
    best.batches = sum(counted[1:], counted[0]) if counted else None
    return best


@dataclass
class Report:
    """A whole run: facts, servers, in-process timings."""

    facts: Mapping[str, str]
    sizes: Sequence[int]
    runs: Sequence[ServerRun]
    #: Timing key -> records -> wall seconds per call (fastest loop).
    in_process: Mapping[str, Mapping[int, float]]
    #: Timing key -> records -> CPU seconds per call (fastest loop).
    in_process_cpu: Mapping[str, Mapping[int, float]]
    connections: int
    duration_s: float
    rounds: int = 1


def server_run(report: Report, name: str) -> ServerRun | None:
    """Return the measured run of server `name`, if any."""
    return next((r for r in report.runs if r.name == name and not r.failure), None)


def rate(report: Report, name: str, size: int) -> float | None:
    """Return server `name`'s successful req/s at `size` records, if measured."""
    run = server_run(report, name)
    cell = run.cells.get(size) if run else None
    return cell.load.requests_per_s if cell else None


def overhead_ms(report: Report, name: str, engine_key: str, size: int) -> float | None:
    """Return server CPU ms/request minus the adapter's in-process predict CPU ms."""
    run = server_run(report, name)
    cell = run.cells.get(size) if run else None
    seconds = report.in_process_cpu.get(engine_key, {}).get(size)
    if cell is None or cell.cpu_ms is None or seconds is None:
        return None
    return cell.cpu_ms - seconds * 1000
