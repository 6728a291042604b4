"""The issue's targets: ratios and bounds measured in one run, PASS or FAIL."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from results import Report, overhead_ms, rate, server_run

__all__ = ["INFO_RATIOS", "TARGETS", "Target", "target_lines"]


def _ms(value: float) -> str:
    return f"{value:,.{3 if value < 1 else 2 if value < 10 else 1}f}"


@dataclass(frozen=True)
class Target:
    """One target of the issue: a measured value against a bound."""

    label: str
    measure: Callable[[Report], float | None]
    bound: float
    #: True: the value must be at least `bound`; False: at most.
    at_least: bool
    unit: str


def _ratio(name: str, other: str, size: int) -> Callable[[Report], float | None]:
    def measure(report: Report) -> float | None:
        ours, theirs = rate(report, name, size), rate(report, other, size)
        return ours / theirs if ours and theirs else None

    return measure


def _share_of_floor(report: Report) -> float | None:
    """Roost's 1-record requests/s as a percentage of the floor's."""
    ours, floor = rate(report, "roost", 1), rate(report, "floor", 1)
    return 100 * ours / floor if ours and floor else None


def _overhead(size: int) -> Callable[[Report], float | None]:
    return lambda report: overhead_ms(report, "roost", "adapter-compiled", size)


def _single_p50(report: Report) -> float | None:
    run = server_run(report, "roost")
    return run.single.load.p50_ms if run and run.single else None


TARGETS = (
    Target(
        "1 record: roost req/s / seed stack req/s",
        _ratio("roost", "seed", 1),
        10,
        True,
        "x",
    ),
    Target(
        "1 record: roost req/s / MLServer req/s",
        _ratio("roost", "mlserver", 1),
        10,
        True,
        "x",
    ),
    Target(
        "100 records: roost rows/s / seed stack rows/s",
        _ratio("roost", "seed", 100),
        10,
        True,
        "x",
    ),
    Target(
        "1000 records: roost rows/s / seed stack rows/s",
        _ratio("roost", "seed", 1000),
        15,
        True,
        "x",
    ),
    Target(
        "framework overhead, 1 record (server CPU - adapter predict)",
        _overhead(1),
        1.0,
        False,
        " ms",
    ),
    Target("framework overhead, 100 records", _overhead(100), 3.0, False, " ms"),
    Target(
        "1 record: roost req/s as a share of the floor's",
        _share_of_floor,
        45,
        True,
        "%",
    ),
    Target("p50 latency, 1 record, 1 connection", _single_p50, 0.6, False, " ms"),
    Target(
        "whole rows, 1 record: roost req/s / seed stack req/s",
        _ratio("roost-rows", "seed-rows", 1),
        30,
        True,
        "x",
    ),
    Target(
        "whole rows, 100 records: roost rows/s / seed stack rows/s",
        _ratio("roost-rows", "seed-rows", 100),
        20,
        True,
        "x",
    ),
    Target(
        "whole rows, 1000 records: roost rows/s / seed stack rows/s",
        _ratio("roost-rows", "seed-rows", 1000),
        20,
        True,
        "x",
    ),
)

#: Ratios printed for information: the framework's own gain, and MLServer.
INFO_RATIOS = (
    (
        "roost (engine=pipeline) / seed stack, 1 record",
        _ratio("roost-pipeline", "seed", 1),
    ),
    (
        "roost (engine=pipeline) / seed stack, 100 records",
        _ratio("roost-pipeline", "seed", 100),
    ),
    (
        "roost (engine=pipeline) / seed stack, 1000 records",
        _ratio("roost-pipeline", "seed", 1000),
    ),
    (
        "roost (unpinned workers) / seed stack, 1 record",
        _ratio("roost-unpinned", "seed", 1),
    ),
    (
        "roost (unpinned workers) / seed stack, 1000 records",
        _ratio("roost-unpinned", "seed", 1000),
    ),
    ("roost / MLServer, 100 records", _ratio("roost", "mlserver", 100)),
    (
        "roost, whole rows / roost, model inputs, 1000 records",
        _ratio("roost-rows", "roost", 1000),
    ),
)


def target_lines(report: Report) -> list[str]:
    """Return the targets table: measured, goal, PASS/FAIL (or n/a)."""
    lines = ["| target | measured | goal | result |", "|---|---:|---:|---|"]
    for target in TARGETS:
        value = target.measure(report)
        sign = ">=" if target.at_least else "<="
        goal = f"{sign} {target.bound:g}{target.unit}"
        if value is None:
            lines.append(f"| {target.label} | - | {goal} | n/a (not measured) |")
            continue
        passed = value >= target.bound if target.at_least else value <= target.bound
        shown = f"{value:,.1f}{target.unit}" if target.at_least else _ms(value) + " ms"
        lines.append(
            f"| {target.label} | {shown} | {goal} | {'PASS' if passed else 'FAIL'} |"
        )
    roost = server_run(report, "roost")
    if roost is not None:
        errors = sum(cell.load.errors for cell in roost.cells.values())
        result = "PASS" if errors == 0 else "FAIL"
        lines.append(f"| roost answered without errors | {errors} | 0 | {result} |")
        if roost.memory is not None:
            worst = max(roost.memory.worker_mib, default=0.0)
            lines.append(
                f"| memory per roost worker (peak RSS) | {worst:,.1f} MiB "
                "| reported | INFO |"
            )
    for label, measure in INFO_RATIOS:
        value = measure(report)
        if value is not None:
            lines.append(f"| {label} | {value:,.1f}x | - | INFO |")
    return lines
