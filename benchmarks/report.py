"""Render the benchmark's measurements as one Markdown report with targets.

The report is plain Markdown, readable in a terminal: facts about the run,
one table of every server and payload (plus the in-process floors), the
adapter calls roost's `/metrics` counted, the 1-connection latency, peak
memory, roost's framework overhead, and the issue's targets as ratios
measured in this one run, each PASS or FAIL.
"""

from __future__ import annotations

from report_tables import ms, noise_line, num, opening, pct, table
from results import QUIET_SHARE, Report, overhead_ms, rate, server_run
from targets import target_lines

__all__ = ["render"]

#: In-process floors: timing key -> label.
IN_PROCESS = {
    "adapter-compiled": "in process: adapter.predict, compiled",
    "adapter-pipeline": "in process: adapter.predict, engine=pipeline",
    "pipeline-predict": "in process: seed pipeline.predict",
}


def _table(report: Report) -> list[str]:
    rows: list[list[object]] = []
    for size in report.sizes:
        for run in report.runs:
            # NOTE: servers sent whole rows are compared with roost sent them.
            roost = rate(
                report, "roost-rows" if run.name.endswith("-rows") else "roost", size
            )
            cell = run.cells.get(size)
            if run.failure or cell is None:
                reason = run.failure.splitlines()[0][:60] if run.failure else "-"
                rows.append([size, run.label, f"not measured: {reason}", *[""] * 7])
                continue
            load = cell.load
            per_s = load.requests_per_s
            times = roost / per_s if roost and per_s else None
            rows.append(
                [
                    size,
                    run.label,
                    num(per_s),
                    num(per_s * size),
                    ms(load.p50_ms),
                    ms(load.p99_ms),
                    load.errors,
                    ms(cell.cpu_ms),
                    f"{num(times, 1)}x",
                    pct(cell.other_load),
                ]
            )
        for key, label in IN_PROCESS.items():
            seconds = report.in_process.get(key, {}).get(size)
            cpu = report.in_process_cpu.get(key, {}).get(size)
            if seconds:
                cpu_ms = ms(cpu * 1000 if cpu is not None else None)
                rows.append(
                    [
                        size,
                        label,
                        num(1 / seconds),
                        num(size / seconds),
                        ms(seconds * 1000),
                        "-",
                        "-",
                        cpu_ms,
                        "-",
                        "-",
                    ]
                )
    header = ["records", "server", "req/s", "rows/s", "p50 ms", "p99 ms", "errors"]
    header += ["server CPU ms/req", "roost is Nx", "other load"]
    return table(header, rows, text_columns=(1,))


def _single_table(report: Report) -> list[str]:
    rows: list[list[object]] = []
    for run in report.runs:
        if run.single is not None:
            load = run.single.load
            rows.append(
                [
                    run.label,
                    num(load.requests_per_s),
                    ms(load.p50_ms),
                    ms(load.p90_ms),
                    ms(load.p99_ms),
                    load.errors,
                    ms(run.single.cpu_ms),
                    pct(run.single.other_load),
                ]
            )
    header = ["server", "req/s", "p50 ms", "p90 ms", "p99 ms", "errors"]
    return table([*header, "server CPU ms/req", "other load"], rows)


def _memory_table(report: Report) -> list[str]:
    rows: list[list[object]] = []
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
        rows.append(
            [
                run.label,
                num(memory.master_mib, 1),
                len(memory.worker_mib),
                num(worst, 1),
                num(memory.total_mib, 1),
                num(run.startup_s, 1),
                error,
            ]
        )
    header = ["server", "master MiB", "workers", "peak per worker MiB (max)"]
    header += ["total MiB (with helpers)", "ready after s"]
    return table([*header, "max rel. error vs in-process"], rows)


def _batches_table(report: Report) -> list[str]:
    rows: list[list[object]] = []
    for run in report.runs:
        batches = run.batches
        if batches is None:
            continue
        cell = run.cells.get(1)
        requests = cell.load.ok_requests if cell else None
        rows.append(
            [
                run.label,
                num(requests),
                num(batches.calls),
                num(batches.mean_rows, 2),
                num(batches.merged_calls),
            ]
        )
    header = ["server", "requests (2xx)", "adapter calls", "rows per call"]
    return table([*header, "calls of more than one row"], rows)


def _overhead_table(report: Report) -> list[str]:
    rows: list[list[object]] = []
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
            overhead = ms(overhead_ms(report, name, key, size))
            rows.append(
                [run.label, size, ms(cell.cpu_ms), ms(seconds * 1000), overhead]
            )
    header = ["server", "records", "server CPU ms/req", "adapter predict CPU ms"]
    return table([*header, "overhead ms"], rows)


def _noise_line(report: Report) -> str:
    """Say how much of the CPU other processes took during the wrk runs."""
    shares = [
        cell.other_load
        for run in report.runs
        for cell in [*run.cells.values(), run.single]
        if cell is not None and cell.other_load is not None
    ]
    warning = (
        f"**WARNING: not a quiet machine (> {100 * QUIET_SHARE:.0f}%): "
        "absolute figures and ratios are indicative only; rerun in a quiet "
        "window before recording them.**"
    )
    return noise_line(shares, QUIET_SHARE, warning)


def render(report: Report) -> str:
    """Return the whole report as Markdown."""
    failures = [
        f"- **{run.label}** not measured: {run.failure.strip()}"
        for run in report.runs
        if run.failure
    ]
    sections = [
        *opening(
            "roost benchmark",
            report.facts,
            _noise_line(report),
            target_lines(report),
        ),
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
        "## Micro-batching seen in /metrics (the 1-record cell)",
        "roost's `roost_batch_rows` histogram, read before and after the "
        "1-record run above: each request holds one record, so a call of "
        "more than one row merged requests.",
        "\n".join(_batches_table(report)),
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
