"""Benchmark a packaged scikit-learn pipeline: roost's engines, MLServer, batching.

    python benchmarks/packaged.py [--quick] [--duration S] [--sizes 1,100,1000]
        [--pairs N] [--roost-python PATH] [--write FILE]

`packaged_workload.py` fits a ColumnTransformer + LogisticRegression on the
Ames rows of house-prices' train.csv and saves it with skops and joblib.
`roost package` packages the skops file once per engine (`--engine`, when
this checkout's `roost package` has it; else the one default engine, and the
ONNX row says why it is missing); each wheel is pip-installed into a folder
of its own. Then, each with 2 workers on a free 127.0.0.1 port:

- roost serves each engine's folder (PYTHONPATH), MLServer's scikit-learn
  runtime serves the joblib file of the same fitted pipeline; wrk drives each
  at every size, roost also with whole test.csv rows instead of the inputs;
- two roost servers of the scikit-learn engine, micro-batching off and on,
  run together and take turns under 32 connections of 1 record; each one's
  `/metrics` then tells how many rows its adapter calls took.

Every answer is checked against the pipeline's own labels first. The Markdown
report goes to stdout (progress to stderr). See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import shlex
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from batch_metrics import batch_rows, read_metrics
from lineup import BATCHING, Context, describe_answer
from loadgen import WrkError, find_wrk, run_wrk
from machine import VERSIONS, commit, describe_machine, load_average, versions
from packaged_build import fit, package_engines
from packaged_lineup import MODEL, PACKAGED_DIR, ROOST_PATH, Served, plan, roost_launch
from packaged_results import (
    MLSERVER,
    ONNX,
    SKLEARN,
    WHOLE,
    BatchingSide,
    PackagedReport,
    Row,
    render,
)
from run import REPO_DIR, WORK_DIR, roost_interpreter
from servers import RunningServer, ServerError, start_server
from sweep import measure
from venvs import VenvError, ensure_venv

PROFILES = {
    "full": {"duration": 10.0, "warmup": 2.0, "pairs": 3},
    "quick": {"duration": 3.0, "warmup": 1.0, "pairs": 2},
}
#: Micro-batching off and on; both sides get the same threads and slots.
BATCH_SIDES = (
    ("off", {**BATCHING, "ROOST_BATCH_MAX_ROWS": "1"}),
    ("on", dict(BATCHING)),
)
BATCH_CONNECTIONS = 32


def _log(message: str) -> None:
    print(f"[bench-packaged] {message}", file=sys.stderr, flush=True)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Read the command line; fill unset options from the quick/full profile."""
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="short smoke run")
    parser.add_argument("--duration", type=float, help="seconds per wrk run")
    parser.add_argument("--warmup", type=float, help="seconds of warm-up per payload")
    parser.add_argument("--pairs", type=int, help="micro-batching off/on run pairs")
    parser.add_argument("--connections", type=int, default=8, help="wrk -c")
    parser.add_argument("--sizes", default="1,100,1000", help="records per request")
    parser.add_argument("--workers", type=int, default=2, help="workers per server")
    parser.add_argument("--roost-python", type=Path, help="interpreter of roost's venv")
    parser.add_argument("--write", type=Path, help="also write the report here")
    args = parser.parse_args(argv)
    for key, value in PROFILES["quick" if args.quick else "full"].items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    args.sizes = [int(size) for size in args.sizes.split(",")]
    return args


def count_mismatches(
    server: RunningServer,
    path: str,
    bodies: dict[int, Path],
    read: Callable[[bytes], list[str]],
    reference: list[str],
) -> int:
    """POST every body once; count labels that differ from the pipeline's own.

    Raises:
        ServerError: an answer is not 200 or has the wrong number of labels.
    """
    mismatches = 0
    for size, body in bodies.items():
        status, answer = server.post(path, body.read_bytes())
        if status != 200:
            raise ServerError(f"{size} records: {describe_answer(status, answer)}")
        labels = read(answer)
        if len(labels) != size:
            raise ServerError(f"{size} records: {len(labels)} labels came back")
        mismatches += sum(a != b for a, b in zip(labels, reference, strict=False))
    return mismatches


def drive(
    rows: list[Row], served: Served, args: argparse.Namespace, reference: list[str]
) -> None:
    """Start one server; measure each payload kind (a row each) at every size."""
    path = served.path
    log = WORK_DIR / "logs" / f"packaged-{next(iter(served.kinds))}.log"
    _log(f"{', '.join(served.kinds)}: starting (log: {log})")
    with start_server(served.launch(), log) as server:
        for name, kind in served.kinds.items():
            row = next(r for r in rows if r.name == name)
            bodies = {s: PACKAGED_DIR / f"{kind}-{s}.json" for s in args.sizes}
            row.mismatches = count_mismatches(
                server, path, bodies, served.read, reference
            )
            for size, body in bodies.items():
                run_wrk(
                    server.base_url + path,
                    body,
                    connections=args.connections,
                    duration_s=args.warmup,
                )
                cell = measure(server, path, body, args.connections, args.duration)
                row.cells[size] = cell
                _log(
                    f"{name} {size:>4} records: {cell.load.requests_per_s:,.0f} "
                    f"req/s, p50 {cell.load.p50_ms:.2f} ms, errors {cell.load.errors}"
                )


def batching(ctx: Context, site: Path, args: argparse.Namespace) -> list[BatchingSide]:
    """Micro-batching off and on: two servers, alternating runs, then /metrics."""
    sides = [BatchingSide(label, settings) for label, settings in BATCH_SIDES]
    body = PACKAGED_DIR / "exact-1.json"
    with contextlib.ExitStack() as stack:
        servers = [
            stack.enter_context(
                start_server(
                    roost_launch(ctx, site, **side.settings),
                    WORK_DIR / "logs" / f"packaged-batching-{side.label}.log",
                )
            )
            for side in sides
        ]
        for server in servers:
            run_wrk(
                server.base_url + ROOST_PATH,
                body,
                connections=BATCH_CONNECTIONS,
                duration_s=args.warmup,
            )
        for pair in range(args.pairs):
            order = (0, 1) if pair % 2 == 0 else (1, 0)
            for index in order:
                cell = measure(
                    servers[index], ROOST_PATH, body, BATCH_CONNECTIONS, args.duration
                )
                sides[index].cells.append(cell)
                _log(
                    f"micro-batching {sides[index].label}, pair {pair + 1}: "
                    f"{cell.load.requests_per_s:,.0f} req/s, "
                    f"p50 {cell.load.p50_ms:.2f} ms, errors {cell.load.errors}"
                )
                time.sleep(0.5)
        for side, server in zip(sides, servers, strict=True):
            side.batches = batch_rows(read_metrics(server.base_url), MODEL)
            _log(
                f"micro-batching {side.label}: {side.batches.calls:,} adapter calls, "
                f"{side.batches.mean_rows:.2f} rows per call, "
                f"{side.batches.merged_calls:,} of more than one row"
            )
    return sides


def facts(
    args: argparse.Namespace, ctx: Context, summary: dict[str, Any], engines: str
) -> dict[str, str]:
    """Return the facts the report opens with."""
    wrk = subprocess.run(  # noqa: S603 - wrk, found on PATH
        [find_wrk(), "-v"], capture_output=True, text=True, check=False, timeout=10
    ).stdout.splitlines()[:1]
    out = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": shlex.join([sys.executable, *sys.argv]).replace(f"{REPO_DIR}/", ""),
        "commit": commit(REPO_DIR) + " (the work tree may hold uncommitted changes)",
        "machine": describe_machine(),
        "load average": f"{args.load_before} before, {load_average()} after",
        "load generator": f"{' '.join(wrk)}: wrk -t1 --latency, "
        f"{args.warmup:g} s warm-up per payload, loopback",
        "model": "ColumnTransformer (OneHotEncoder on 5 string "
        "columns, SimpleImputer + StandardScaler on 5 numeric ones) then "
        f"LogisticRegression, classes {', '.join(summary['classes'])}, fitted on "
        f"{summary['fitted_rows']} rows of train.csv; saved with skops (packaged "
        "with `roost package`) and joblib (MLServer)",
        "payloads": f"{', '.join(map(str, args.sizes))} records of the "
        f"{summary['held_out_rows']} held-out test.csv houses: the 10 inputs, or "
        f"whole rows ({summary['columns']} columns)",
        "engines": engines,
        "servers": f"{args.workers} workers each: roost on gunicorn gthread "
        "(ROOST_PROFILE=production, answers `?outputs=predictions`), MLServer "
        f"parallel_workers={args.workers} (V2, pd content type)",
        "roost venv": versions(
            ctx.roost_python, (*VERSIONS["roost"], "roost-sklearn", "skops")
        ),
    }
    for name, python in ctx.venv_pythons.items():
        out[f"{name} venv"] = versions(python, VERSIONS[name])
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Run the scenario; print the report; 1 if a row could not be measured."""
    args = parse_args(argv)
    find_wrk()
    # Absolute (not resolved: a venv's interpreter is a symlink): packaging runs
    # in the work folder.
    args.roost_python = roost_interpreter(args.roost_python).absolute()
    args.load_before = load_average()
    summary = fit(args)
    rows = [
        Row(ONNX, "roost, packaged (onnx engine)"),
        Row(SKLEARN, "roost, packaged (sklearn engine)"),
        Row(WHOLE, "roost, packaged (sklearn engine), whole rows"),
        Row(MLSERVER, "MLServer 1.7.1 sklearn runtime"),
    ]
    sites, engines = package_engines(args.roost_python, rows[0])
    _log(f"packaged: {', '.join(f'{k} -> {v}' for k, v in sites.items())}")
    venv_pythons = {}
    try:
        venv_pythons["mlserver"] = ensure_venv("mlserver", args.roost_python)
    except VenvError as exc:
        rows[3].failure = f"venv set-up failed: {exc}"
    models = PACKAGED_DIR / "models"  # nothing trained: only the packaged model
    models.mkdir(exist_ok=True)
    ctx = Context(args.roost_python, models, WORK_DIR, args.workers, venv_pythons)
    for served in plan(ctx, sites, mlserver=not rows[3].failure):
        try:
            drive(rows, served, args, summary["reference_labels"])
        except (ServerError, WrkError, OSError) as exc:
            _log(f"{', '.join(served.kinds)}: FAILED: {exc}")
            for row in rows:
                if row.name in served.kinds:
                    row.failure = str(exc)
    try:
        sides = batching(ctx, sites["sklearn"], args)
    except (ServerError, WrkError, OSError) as exc:
        _log(f"micro-batching: FAILED: {exc}")
        sides = []
    report = PackagedReport(
        facts=facts(args, ctx, summary, engines),
        sizes=args.sizes,
        rows=rows,
        batching=sides,
        connections=args.connections,
        batch_connections=BATCH_CONNECTIONS,
        duration_s=args.duration,
    )
    text = render(report)
    print(text)
    if args.write:
        args.write.write_text(text)
        _log(f"report written to {args.write}")
    return 1 if any(r.failure for r in rows if r.name != ONNX) or not sides else 0


if __name__ == "__main__":
    sys.exit(main())
