"""What the packaged-model benchmark measured, its targets, and its report.

Filled by `benchmarks/packaged.py`; rendered as one Markdown section with the
machine, the versions, the targets (ratios measured in the same run) and
the tables.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from statistics import median

from batch_metrics import BatchRows
from report_tables import noise_line, num, opening, table
from results import QUIET_SHARE, Cell

__all__ = [
    "BatchingSide",
    "PackagedReport",
    "Row",
    "combined_rate",
    "ratio",
    "render",
    "target_lines",
]

#: Row names the targets read.
ONNX, SKLEARN, WHOLE, MLSERVER = (
    "roost-onnx",
    "roost-sklearn",
    "roost-whole",
    "mlserver",
)
#: (numerator row, denominator row, records, goal); None: reported only.
ENGINE_TARGETS: tuple[tuple[str, str, int, float | None], ...] = (
    (ONNX, MLSERVER, 1, 10.0),
    (ONNX, MLSERVER, 100, 3.0),
    (ONNX, MLSERVER, 1000, 3.0),
    (SKLEARN, MLSERVER, 1, None),
    (SKLEARN, MLSERVER, 100, None),
    (SKLEARN, MLSERVER, 1000, None),
    (WHOLE, SKLEARN, 1, None),
    (WHOLE, SKLEARN, 100, None),
    (WHOLE, SKLEARN, 1000, None),
)
#: Micro-batching on over off, requests/s at 32 connections of 1 record.
BATCHING_GOAL = 1.5


@dataclass
class Row:
    """One server and payload kind at every size, or why it was not measured."""

    name: str
    label: str
    cells: dict[int, Cell] = field(default_factory=dict)
    #: Answers whose labels differ from the pipeline's own, over every size.
    mismatches: int | None = None
    failure: str | None = None


@dataclass
class BatchingSide:
    """One side of the micro-batching comparison: its paired runs and /metrics."""

    label: str
    settings: Mapping[str, str]
    cells: list[Cell] = field(default_factory=list)
    batches: BatchRows | None = None


@dataclass
class PackagedReport:
    """The whole packaged-model run."""

    facts: Mapping[str, str]
    sizes: Sequence[int]
    rows: Sequence[Row]
    #: Micro-batching off, then on; empty when not run.
    batching: Sequence[BatchingSide]
    connections: int
    batch_connections: int
    duration_s: float


def combined_rate(cells: Sequence[Cell]) -> float | None:
    """Return successful requests per second over several runs taken together."""
    seconds = sum(cell.load.duration_s for cell in cells)
    if not seconds:
        return None
    return sum(cell.load.ok_requests for cell in cells) / seconds


def _rate(report: PackagedReport, name: str, size: int) -> float | None:
    row = next((r for r in report.rows if r.name == name and not r.failure), None)
    cell = row.cells.get(size) if row else None
    return cell.load.requests_per_s if cell else None


def ratio(ours: float | None, theirs: float | None) -> float | None:
    """Return ours / theirs, or None when either is missing or zero."""
    return ours / theirs if ours and theirs else None


def _label(report: PackagedReport, name: str) -> str:
    return next((r.label for r in report.rows if r.name == name), name)


def _verdict(value: float | None, goal: float | None, why: str) -> tuple[str, str]:
    if value is None:
        return "-", f"not available ({why})"
    if goal is None:
        return f"{value:,.1f}x", "INFO"
    return f"{value:,.1f}x", "PASS" if value >= goal else "FAIL"


def _failure(report: PackagedReport, *names: str) -> str:
    for name in names:
        row = next((r for r in report.rows if r.name == name), None)
        if row is None or row.failure:
            return row.failure if row and row.failure else f"{name} not run"
    return "not measured"


def target_lines(report: PackagedReport) -> list[str]:
    """Return the targets table: ratios of this run against their goals."""
    lines = ["| target | measured | goal | result |", "|---|---:|---:|---|"]
    for ours, theirs, size, goal in ENGINE_TARGETS:
        value = ratio(_rate(report, ours, size), _rate(report, theirs, size))
        shown, result = _verdict(value, goal, _failure(report, ours, theirs))
        records = "1 record" if size == 1 else f"{size} records"
        lines.append(
            f"| {records}: {_label(report, ours)} / {_label(report, theirs)} "
            f"| {shown} | {'-' if goal is None else f'>= {goal:g}x'} | {result} |"
        )
    if len(report.batching) == 2:
        off, on = report.batching
        value = ratio(combined_rate(on.cells), combined_rate(off.cells))
        shown, result = _verdict(value, BATCHING_GOAL, "a side did not run")
        lines.append(
            f"| {report.batch_connections} connections, 1 record: micro-batching "
            f"on / off, req/s | {shown} | >= {BATCHING_GOAL:g}x | {result} |"
        )
        merged = on.batches.merged_calls if on.batches else 0
        lines.append(
            "| micro-batching ran: calls of more than one row "
            f"| {merged:,} | > 0 | {'PASS' if merged > 0 else 'FAIL'} |"
        )
    return lines


def _engine_table(report: PackagedReport) -> list[str]:
    rows: list[list[object]] = []
    for size in report.sizes:
        for row in report.rows:
            cell = row.cells.get(size)
            if cell is None:
                continue
            load, rate = cell.load, cell.load.requests_per_s
            rows.append(
                [
                    size,
                    row.label,
                    num(rate),
                    num(rate * size),
                    num(load.p50_ms, 2),
                    num(load.p99_ms, 2),
                    load.errors,
                    num(cell.cpu_ms, 2),
                    f"{num(100 * (cell.other_load or 0))}%",
                ]
            )
    header = ["records", "server", "req/s", "rows/s", "p50 ms", "p99 ms", "errors"]
    return table([*header, "server CPU ms/req", "other load"], rows, text_columns=(1,))


def _batching_table(report: PackagedReport) -> list[str]:
    rows: list[list[object]] = []
    for side in report.batching:
        settings = " ".join(f"{k}={v}" for k, v in side.settings.items())
        p50 = median(c.load.p50_ms for c in side.cells) if side.cells else None
        errors = sum(c.load.errors for c in side.cells)
        batches = side.batches
        rows.append(
            [
                side.label,
                f"`{settings}`",
                len(side.cells),
                num(combined_rate(side.cells)),
                num(p50, 2),
                errors,
                num(batches.calls if batches else None),
                num(batches.mean_rows if batches else None, 2),
                num(batches.merged_calls if batches else None),
            ]
        )
    header = ["micro-batching", "settings", "runs", "req/s", "p50 ms (median)"]
    header += ["errors", "adapter calls", "mean rows per call"]
    return table([*header, "calls of more than one row"], rows, text_columns=(0, 1))


def _answers(report: PackagedReport) -> list[str]:
    lines = []
    for row in report.rows:
        if row.failure:
            lines.append(f"- **{row.label}** not measured: {row.failure.strip()}")
        elif row.mismatches is not None:
            lines.append(
                f"- **{row.label}**: {row.mismatches} label(s) differ from the "
                "pipeline's own predict over every payload"
            )
    return lines


def _noise(report: PackagedReport) -> str:
    shares = [
        cell.other_load
        for cells in [
            *(row.cells.values() for row in report.rows),
            *(side.cells for side in report.batching),
        ]
        for cell in cells
        if cell.other_load is not None
    ]
    warning = "**WARNING: not a quiet machine: figures are indicative only.**"
    return noise_line(shares, QUIET_SHARE, warning)


def render(report: PackagedReport) -> str:
    """Return the report as Markdown."""
    sections = [
        *opening(
            "roost benchmark: a packaged scikit-learn pipeline",
            report.facts,
            _noise(report),
            target_lines(report),
        ),
        f"## Engines against MLServer (wrk -t1 -c{report.connections}, "
        f"{report.duration_s:g} s per cell)",
        "\n".join(_engine_table(report)),
        f"## Micro-batching (wrk -t1 -c{report.batch_connections}, 1 record, "
        "runs alternating between two servers started together)",
        "\n".join(_batching_table(report)),
        "## Answers",
        "\n".join(_answers(report)),
    ]
    return "\n\n".join(sections) + "\n"
