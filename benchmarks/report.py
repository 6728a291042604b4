"""Render the benchmark's measurements as one Markdown report with targets.

The report is plain Markdown, readable in a terminal: facts about the run,
one table of every server and payload (plus the in-process floors), the
1-connection latency, peak memory, roost's framework overhead, and the
issue's targets as ratios measured in this one run, each PASS or FAIL.
"""

from __future__ import annotations

import math

from results import QUIET_SHARE, Report, overhead_ms, rate, server_run
from targets import target_lines

__all__ = ["render"]

#: In-process floors: timing key -> label.
IN_PROCESS = {
    "adapter-compiled": "in process: adapter.predict, compiled",
    "adapter-pipeline": "in process: adapter.predict, engine=pipeline",
    "pipeline-predict": "in process: seed pipeline.predict",
}


def _num(value: float | None, digits: int = 0) -> str:
    if value is None or math.isnan(value):
        return "-"
    if math.isinf(value):
        return "inf"
    return f"{value:,.{digits}f}"


def _ms(value: float | None) -> str:
    if value is None:
        return "-"
    return _num(value, 3 if value < 1 else 2 if value < 10 else 1)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


def _table(report: Report) -> list[str]:
    lines = [
        "| records | server | req/s | rows/s | p50 ms | p99 ms | errors "
        "| server CPU ms/req | roost is Nx | other load |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size in report.sizes:
        for run in report.runs:
            # NOTE: servers sent whole rows are compared with roost sent them.
            roost = rate(
                report, "roost-rows" if run.name.endswith("-rows") else "roost", size
            )
            cell = run.cells.get(size)
            if run.failure or cell is None:
                reason = run.failure.splitlines()[0][:60] if run.failure else "-"
                lines.append(
                    f"| {size} | {run.label} | not measured: {reason} | | | | | | | |"
                )
                continue
            per_s = cell.load.requests_per_s
            times = roost / per_s if roost and per_s else None
            lines.append(
                f"| {size} | {run.label} | {_num(per_s)} | {_num(per_s * size)} "
                f"| {_ms(cell.load.p50_ms)} | {_ms(cell.load.p99_ms)} "
                f"| {cell.load.errors} | {_ms(cell.cpu_ms)} "
                f"| {_num(times, 1)}x | {_pct(cell.other_load)} |"
            )
        for key, label in IN_PROCESS.items():
            seconds = report.in_process.get(key, {}).get(size)
            cpu = report.in_process_cpu.get(key, {}).get(size)
            if seconds:
                per_s, ms = _num(1 / seconds), _ms(seconds * 1000)
                cpu_ms = _ms(cpu * 1000 if cpu is not None else None)
                lines.append(
                    f"| {size} | {label} | {per_s} | {_num(size / seconds)} | {ms} "
                    f"| - | - | {cpu_ms} | - | - |"
                )
    return lines


def _single_table(report: Report) -> list[str]:
    lines = [
        "| server | req/s | p50 ms | p90 ms | p99 ms | errors | server CPU ms/req "
        "| other load |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in report.runs:
        if run.single is not None:
            load = run.single.load
            lines.append(
                f"| {run.label} | {_num(load.requests_per_s)} | {_ms(load.p50_ms)} "
                f"| {_ms(load.p90_ms)} | {_ms(load.p99_ms)} | {load.errors} "
                f"| {_ms(run.single.cpu_ms)} | {_pct(run.single.other_load)} |"
            )
    return lines


def _memory_table(report: Report) -> list[str]:
    lines = [
        "| server | master MiB | workers | peak per worker MiB (max) "
        "| total MiB (with helpers) "
        "| ready after s | max rel. error vs in-process |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for run in report.runs:
        if run.memory is None:
            continue
        memory = run.memory
        worst = max(memory.worker_mib, default=None)
        error = (
            "not checked (constant)"
            if run.max_error is None
            else f"{run.max_error:.1e}"
        )
        lines.append(
            f"| {run.label} | {_num(memory.master_mib, 1)} | {len(memory.worker_mib)} "
            f"| {_num(worst, 1)} | {_num(memory.total_mib, 1)} "
            f"| {_num(run.startup_s, 1)} | {error} |"
        )
    return lines


def _overhead_table(report: Report) -> list[str]:
    lines = [
        "| server | records | server CPU ms/req | adapter predict CPU ms "
        "| overhead ms |",
        "|---|---:|---:|---:|---:|",
    ]
    pairs = (("roost", "adapter-compiled"), ("roost-pipeline", "adapter-pipeline"))
    for name, key in pairs:
        run = server_run(report, name)
        if run is None:
            continue
        for size in report.sizes:
            cell = run.cells.get(size)
            seconds = report.in_process_cpu.get(key, {}).get(size)
            if cell is None or seconds is None:
                continue
            lines.append(
                f"| {run.label} | {size} | {_ms(cell.cpu_ms)} | {_ms(seconds * 1000)} "
                f"| {_ms(overhead_ms(report, name, key, size))} |"
            )
    return lines


def noise_line(report: Report) -> str:
    """Say how much of the CPU other processes took during the wrk runs."""
    shares = [
        cell.other_load
        for run in report.runs
        for cell in [*run.cells.values(), run.single]
        if cell is not None and cell.other_load is not None
    ]
    if not shares:
        return "- **machine noise**: not measured"
    mean, worst = sum(shares) / len(shares), max(shares)
    line = (
        f"- **machine noise**: other processes used {100 * mean:.0f}% of the CPU "
        f"on average during the wrk runs (worst run {100 * worst:.0f}%)"
    )
    if mean > QUIET_SHARE:
        line += (
            f". **WARNING: not a quiet machine (> {100 * QUIET_SHARE:.0f}%): "
            "absolute figures and ratios are indicative only; rerun in a quiet "
            "window before recording them.**"
        )
    return line


def render(report: Report) -> str:
    """Return the whole report as Markdown."""
    facts = [f"- **{key}**: {value}" for key, value in report.facts.items()]
    facts.append(noise_line(report))
    failures = [
        f"- **{run.label}** not measured: {run.failure.strip()}"
        for run in report.runs
        if run.failure
    ]
    sections = [
        "# roost benchmark",
        "\n".join(facts),
        "## Targets (ratios measured in this run)",
        "\n".join(target_lines(report)),
        f"## Throughput and latency (wrk -t1 -c{report.connections}, "
        f"{report.duration_s:g} s per cell"
        + (f", best of {report.rounds} rounds)" if report.rounds > 1 else ")"),
        "req/s counts 2xx answers only; errors are non-2xx answers plus socket "
        "errors; server CPU is the master's and workers' user+system time over "
        "the run divided by the requests; *roost is Nx* is roost's req/s over "
        "this row's (for the whole-row servers, roost's sent whole rows); "
        "*other load* is the share of the machine's CPU used by "
        "processes other than the server and wrk during the run (noise).",
        "\n".join(_table(report)),
        "## 1 record, 1 connection",
        "\n".join(_single_table(report)),
        "## Framework overhead (server CPU per request - adapter's own predict)",
        "\n".join(_overhead_table(report)),
        "## Peak memory (VmHWM) and answers",
        "\n".join(_memory_table(report)),
    ]
    if failures:
        sections += ["## Not measured", "\n".join(failures)]
    return "\n\n".join(sections) + "\n"
