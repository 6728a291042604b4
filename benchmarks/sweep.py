"""Drive one server of the lineup: check its answers, then measure it with wrk.

`measure` is one wrk run with the server's CPU and the machine's other load
over it; `bench_server` starts a server and measures every payload size.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

from batch_metrics import BatchRows, batch_rows, read_metrics
from lineup import Context, ServerSpec, describe_answer, max_relative_error
from loadgen import run_wrk
from machine import machine_ticks, wait_for_quiet
from results import QUIET_SHARE, Cell, ServerRun
from servers import RunningServer, ServerError, cpu_seconds_between, start_server

__all__ = ["bench_server", "check_answers", "measure"]

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def measure(
    server: RunningServer,
    path: str,
    body: Path,
    connections: int,
    duration: float,
    *,
    quiet_wait: float = 0.0,
) -> Cell:
    """Run wrk once; return its figures with the server's CPU over the run."""
    if quiet_wait > 0:
        share = wait_for_quiet(quiet_wait)
        if share > QUIET_SHARE:
            _log(f"machine still {100 * share:.0f}% busy; measuring anyway")
    tree_before = server.tree()
    busy_before, total_before = machine_ticks()
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load = run_wrk(
        server.base_url + path, body, connections=connections, duration_s=duration
    )
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy_after, total_after = machine_ticks()
    server_cpu = cpu_seconds_between(tree_before, server.tree())
    wrk_cpu = (children_after.ru_utime + children_after.ru_stime) - (
        children_before.ru_utime + children_before.ru_stime
    )
    machine_busy = (busy_after - busy_before) / CLOCK_TICKS
    capacity = (total_after - total_before) / CLOCK_TICKS
    other = (
        max(0.0, machine_busy - server_cpu - wrk_cpu) / capacity if capacity else None
    )
    cpu_ms = server_cpu * 1000 / load.ok_requests if load.ok_requests else None
    return Cell(load=load, cpu_ms=cpu_ms, other_load=other)


def check_answers(
    spec: ServerSpec,
    server: RunningServer,
    bodies: dict[int, Path],
    prices: list[float],
) -> float | None:
    """POST every body once; return the worst relative error of the predictions.

    Raises:
        ServerError: an answer is not 200.
    """
    worst = 0.0
    for size, body in bodies.items():
        status, answer = server.post(spec.predict_path, body.read_bytes())
        if status != 200:
            raise ServerError(f"{size} records: {describe_answer(status, answer)}")
        if spec.read_prices is not None:
            got = spec.read_prices(answer)
            worst = max(worst, max_relative_error(got, prices[:size]))
    return worst if spec.read_prices is not None else None


def _batch_rows(spec: ServerSpec, server: RunningServer) -> BatchRows | None:
    """The adapter calls roost's `/metrics` counted so far; None for other servers."""
    if spec.metrics_model is None:
        return None
    return batch_rows(read_metrics(server.base_url), spec.metrics_model)


def bench_server(
    spec: ServerSpec,
    ctx: Context,
    args: argparse.Namespace,
    payload_dir: Path,
    prices: list[float],
) -> ServerRun:
    """Start one server, measure every payload, stop it."""
    run = ServerRun(spec.name, spec.label)
    bodies = {size: payload_dir / f"{spec.body}-{size}.json" for size in args.sizes}
    log = ctx.work_dir / "logs" / f"{spec.name}.log"
    _log(f"{spec.name}: starting (log: {log})")
    started = time.monotonic()
    with start_server(spec.launch(ctx), log) as server:
        run.startup_s = time.monotonic() - started
        _log(f"{spec.name}: ready in {run.startup_s:.1f} s, pid {server.pid}")
        run.max_error = check_answers(spec, server, bodies, prices)
        for size, body in bodies.items():
            if args.warmup > 0:
                run_wrk(
                    server.base_url + spec.predict_path,
                    body,
                    connections=args.connections,
                    duration_s=args.warmup,
                )
            counted = _batch_rows(spec, server) if size == 1 else None
            cell = measure(
                server,
                spec.predict_path,
                body,
                args.connections,
                args.duration,
                quiet_wait=args.quiet_wait,
            )
            run.cells[size] = cell
            if counted is not None:
                # 1 record a request: a call of more than one row merged requests.
                run.batches = _batch_rows(spec, server) - counted
                _log(
                    f"{spec.name} 1 record: {run.batches.calls:,} adapter calls, "
                    f"{run.batches.merged_calls:,} of more than one row"
                )
            _log(
                f"{spec.name} {size:>4} records: "
                f"{cell.load.requests_per_s:,.0f} req/s, "
                f"p50 {cell.load.p50_ms:.2f} ms, p99 {cell.load.p99_ms:.2f} ms, "
                f"errors {cell.load.errors}, CPU {cell.cpu_ms or 0:.2f} ms/req, "
                f"other load {100 * (cell.other_load or 0):.0f}%"
            )
            if size == 1:
                run.single = measure(
                    server,
                    spec.predict_path,
                    body,
                    1,
                    args.duration,
                    quiet_wait=args.quiet_wait,
                )
                _log(
                    f"{spec.name} 1 record, 1 conn: p50 {run.single.load.p50_ms:.2f} ms"
                )
        run.memory = server.memory()
    return run
