"""Paired A/B: two roost servers that differ in settings, driven in alternation.

On a shared machine absolute figures drift by 2x within minutes, even with no
other load in sight. Two servers measured in alternating short wrk runs see
the same drift, so their ratio holds; a change worth keeping shows the same
sign in every pair. Usage (with roost's interpreter):

    .venv/bin/python benchmarks/ab.py --b ROOST_REQUEST_DEADLINE=0
    .venv/bin/python benchmarks/ab.py --b ROOST_MAX_IN_FLIGHT=1 --sizes 1,1000
    .venv/bin/python benchmarks/ab.py --body rows --sizes 1,100,1000
    .venv/bin/python benchmarks/ab.py --b-python ../main/.venv/bin/python --sizes 1
    .venv/bin/python benchmarks/ab.py --packaged --connections 32 --sizes 1 \
        --a ROOST_BATCH_MAX_ROWS=1 --b ROOST_BATCH_MAX_ROWS=64 ...

Both servers run `roost serve` with the benchmark's roost settings (see
lineup.py) plus their own `VAR=VALUE`s, at the same time, on free ports:
house-prices by default, or with `--packaged` the pipeline `roost package`
packaged for `make bench-packaged` (its scikit-learn engine, or `--engine
onnx`; see packaged.py).
Prints, per payload size, each pair's requests/s and CPU ms per request and
B's totals relative to A's.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from lineup import SEED_ROUTE, SERVERS, Context
from loadgen import run_wrk
from packaged_build import fit, package_engines
from packaged_lineup import PACKAGED_DIR, ROOST_PATH, roost_launch
from packaged_results import Row
from run import WORK_DIR, prepare_workload
from servers import RunningServer, cpu_seconds_between, start_server

ROOT = Path(__file__).resolve().parents[1]


def _assignments(pairs: Sequence[str]) -> dict[str, str]:
    settings = {}
    for pair in pairs:
        name, equals, value = pair.partition("=")
        if not equals or not name:
            raise SystemExit(f"expected VAR=VALUE, got {pair!r}")
        settings[name] = value
    return settings


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--a", action="append", default=[], metavar="VAR=VALUE")
    parser.add_argument("--b", action="append", default=[], metavar="VAR=VALUE")
    parser.add_argument("--sizes", default="1,1000", help="records per request")
    parser.add_argument(
        "--body",
        choices=("roost", "rows"),
        default="roost",
        help="records of the 24 model inputs (roost) or whole test.csv rows (rows)",
    )
    parser.add_argument("--pairs", type=int, default=5, help="A/B runs per size")
    parser.add_argument("--duration", type=float, default=4.0, help="s per run")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument(
        "--packaged",
        action="store_true",
        help="serve the packaged pipeline of bench-packaged instead of house-prices",
    )
    parser.add_argument(
        "--engine",
        choices=("sklearn", "onnx"),
        default="sklearn",
        help="with --packaged: the engine the packaged pipeline is served on",
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3, help=argparse.SUPPRESS)
    parser.add_argument(
        "--roost-python", type=Path, default=ROOT / ".venv" / "bin" / "python"
    )
    parser.add_argument(
        "--b-python",
        type=Path,
        help="B's roost interpreter, e.g. another checkout's venv, to compare code "
        "(default: --roost-python)",
    )
    parser.add_argument("--model-dir", type=Path, default=WORK_DIR / "models")
    args = parser.parse_args(argv)
    args.sizes = [int(size) for size in args.sizes.split(",")]
    return args


def _run(
    server: RunningServer, body: Path, args: argparse.Namespace
) -> tuple[int, float, int]:
    """One wrk run: successful requests, server CPU seconds, errors."""
    before = server.tree()
    result = run_wrk(
        server.base_url + args.path,
        body,
        connections=args.connections,
        duration_s=args.duration,
    )
    cpu = cpu_seconds_between(before, server.tree())
    return result.ok_requests, cpu, result.errors


def main(argv: Sequence[str] | None = None) -> int:
    """Start A and B, alternate wrk runs on each, print the comparison."""
    args = parse_args(argv)
    if args.packaged:
        # The packaged scenario's names of the same two kinds of body.
        prefix = {"roost": "exact", "rows": "whole"}[args.body]
        payload_dir, args.path = PACKAGED_DIR, ROOST_PATH
        fit(args)
        sites = package_engines(args.roost_python, Row("onnx", "onnx"))[0]
        if args.engine not in sites:
            raise SystemExit(f"the packaged pipeline has no {args.engine} engine")
        site = sites[args.engine]
        model_dir = PACKAGED_DIR / "models"
        model_dir.mkdir(exist_ok=True)
    else:
        payload_dir, prefix, args.path = WORK_DIR / "payloads", args.body, SEED_ROUTE
        prepare_workload(args, payload_dir)
        model_dir = args.model_dir.resolve()
    ctx = Context(args.roost_python, model_dir, WORK_DIR, args.workers, {})
    launches = {}
    contexts = {"A": ctx, "B": ctx}
    if args.b_python is not None:
        contexts["B"] = dataclasses.replace(ctx, roost_python=args.b_python)
        print(f"A: {args.roost_python}\nB: {args.b_python}")
    for side, extra in (("A", _assignments(args.a)), ("B", _assignments(args.b))):
        side_ctx = contexts[side]
        launch = (
            roost_launch(side_ctx, site)
            if args.packaged
            else SERVERS["roost"].launch(side_ctx)
        )
        launches[side] = dataclasses.replace(launch, env={**launch.env, **extra})
        shown = " ".join(f"{name}={value}" for name, value in extra.items())
        print(f"{side}: {shown or '(the benchmark defaults)'}")
    with contextlib.ExitStack() as stack:
        servers = {
            side: stack.enter_context(
                start_server(launch, WORK_DIR / "logs" / f"ab-{side}.log")
            )
            for side, launch in launches.items()
        }
        for size in args.sizes:
            body = payload_dir / f"{prefix}-{size}.json"
            totals = {side: [0, 0.0, 0] for side in servers}
            for pair in range(args.pairs):
                order = ("A", "B") if pair % 2 == 0 else ("B", "A")
                cells = []
                for side in order:
                    requests, cpu, errors = _run(servers[side], body, args)
                    total = totals[side]
                    total[0], total[1], total[2] = (
                        total[0] + requests,
                        total[1] + cpu,
                        total[2] + errors,
                    )
                    cells.append(
                        f"{side} {requests / args.duration:8,.0f} req/s "
                        f"{1000 * cpu / max(requests, 1):6.2f} ms CPU/req"
                    )
                    time.sleep(0.5)
                print(f"{size:>5} records, pair {pair + 1}: " + " | ".join(cells))
            (a_req, a_cpu, a_err), (b_req, b_cpu, b_err) = totals["A"], totals["B"]
            print(
                f"{size:>5} records: B/A requests {b_req / max(a_req, 1):.3f}, "
                f"B/A CPU per request "
                f"{(b_cpu / max(b_req, 1)) / max(a_cpu / max(a_req, 1), 1e-9):.3f}, "
                f"errors A {a_err} B {b_err}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
