"""Benchmark roost against the seed's stack, MLServer and the floors.

    python benchmarks/run.py [--quick] [--duration S] [--connections N]
        [--servers roost,roost-unpinned,roost-pipeline,seed,mlserver,floor]
        [--sizes 1,10,100,1000] [--rounds N] [--quiet-wait S]
        [--write benchmarks/RESULTS.md]

Each server in turn is started on a free 127.0.0.1 port with 2 workers, checked
(its predictions must equal the adapter's in process), warmed up, and driven
with wrk for every payload size; its CPU time and peak memory are read from
/proc; then it is stopped by its PID. The Markdown report goes to stdout
(progress to stderr). See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lineup import SERVERS, Context
from loadgen import WrkError, find_wrk
from machine import VERSIONS, commit, describe_machine, load_average, versions
from report import render
from results import Report, ServerRun, best_of
from servers import ServerError
from sweep import bench_server
from venvs import VenvError, ensure_venv

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
WORK_DIR = BENCH_DIR / ".work"
PROFILES = {
    "full": {"duration": 10.0, "warmup": 2.0, "sizes": "1,10,100,1000", "repeats": 20},
    "quick": {"duration": 3.0, "warmup": 1.0, "sizes": "1,100", "repeats": 8},
}


def _log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Read the command line; fill unset options from the quick/full profile."""
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="short smoke run")
    parser.add_argument(
        "--servers",
        default=",".join(SERVERS),
        help=f"comma-separated, from {','.join(SERVERS)} (default: all)",
    )
    parser.add_argument("--duration", type=float, help="seconds per wrk run")
    parser.add_argument("--warmup", type=float, help="seconds of warm-up per payload")
    parser.add_argument("--connections", type=int, default=8, help="wrk -c")
    parser.add_argument("--sizes", help="records per request, comma-separated")
    parser.add_argument("--repeats", type=int, help="in-process timing repeats")
    parser.add_argument("--workers", type=int, default=2, help="workers per server")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="repeat the whole sweep; keep each cell's best round (noisy machines)",
    )
    parser.add_argument(
        "--roost-python",
        type=Path,
        help="interpreter of roost's venv (default: .venv/bin/python if present, "
        "else this interpreter)",
    )
    parser.add_argument(
        "--model-dir",
        type=Path,
        default=WORK_DIR / "models",
        help="where the bundled adapters' artifacts are trained if missing",
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=0.0,
        help="before each measured run, wait up to this many seconds for the "
        "machine to be idle (other processes under 10%% of the CPU)",
    )
    parser.add_argument("--write", type=Path, help="also write the report here")
    args = parser.parse_args(argv)
    for key, value in PROFILES["quick" if args.quick else "full"].items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    args.sizes = [int(size) for size in str(args.sizes).split(",")]
    args.servers = [name.strip() for name in args.servers.split(",") if name.strip()]
    unknown = set(args.servers) - set(SERVERS)
    if unknown:
        parser.error(f"unknown server(s): {', '.join(sorted(unknown))}")
    return args


def roost_interpreter(chosen: Path | None) -> Path:
    """Return roost's interpreter and check it can serve house-prices.

    Raises:
        SystemExit: roost or the adapter cannot be imported with it.
    """
    local = REPO_DIR / ".venv" / "bin" / "python"
    python = chosen or (local if local.exists() else Path(sys.executable))
    check = subprocess.run(  # noqa: S603 - our own interpreter choice
        [str(python), "-c", "import roost.controllers.app, roost_house_prices.adapter"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if check.returncode != 0:
        raise SystemExit(
            f"{python} cannot import roost and the house-prices adapter "
            f"({check.stderr.strip().splitlines()[-1:]}); run `make bench` "
            "(it installs them into .venv) or pass --roost-python"
        )
    return python


def _run_json(command: list[str], env: dict[str, str], timeout: float) -> Any:
    result = subprocess.run(  # noqa: S603 - our own scripts
        command, capture_output=True, text=True, env=env, timeout=timeout, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"{shlex.join(command)} failed:\n{result.stderr[-2000:]}")
    return json.loads(result.stdout) if result.stdout.strip() else None


def prepare_workload(args: argparse.Namespace, payload_dir: Path) -> dict[str, Any]:
    """Train the artifacts if missing, write the bodies, time predict in process.

    roost serves every installed adapter and is ready only once each has
    loaded, so every bundled model is trained, as `make train` does (not
    roost-sklearn, the runtime of packaged models: nothing to train).
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROOST_")}
    env["ROOST_MODEL_DIR"] = str(args.model_dir)
    projects = sorted(REPO_DIR.glob("adapters/*/pyproject.toml"))
    trainable = [path.parent.name for path in projects]
    for name in (name for name in trainable if name != "sklearn"):
        train = ["train", name, "--if-missing"]
        trained = subprocess.run(  # noqa: S603 - roost's own command line
            [str(args.roost_python), "-m", "roost.core.cli", *train],
            capture_output=True,
            text=True,
            env=env,
            timeout=600,
            check=False,
        )
        if trained.returncode != 0:
            raise SystemExit(f"roost train failed:\n{trained.stderr[-2000:]}")
        _log(trained.stdout.strip().splitlines()[-1] if trained.stdout.strip() else "")
    _log("building payloads and timing predict in process ...")
    command = [str(args.roost_python), str(BENCH_DIR / "workload.py")]
    command += ["--model-dir", str(args.model_dir), "--out", str(payload_dir)]
    command += ["--sizes", ",".join(map(str, args.sizes))]
    command += ["--repeats", str(args.repeats)]
    summary: dict[str, Any] = _run_json(command, env, timeout=900)
    return summary


def facts(
    args: argparse.Namespace, ctx: Context, load_before: str, timing: dict[str, Any]
) -> dict[str, str]:
    """Return the facts the report opens with."""
    wrk_version = subprocess.run(  # noqa: S603 - wrk, found on PATH
        [find_wrk(), "-v"], capture_output=True, text=True, check=False, timeout=10
    ).stdout.splitlines()[:1]
    python_version = subprocess.run(  # noqa: S603 - our own interpreter
        [str(ctx.roost_python), "-V"],
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    ).stdout.strip()
    out = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": shlex.join([sys.executable, *sys.argv]).replace(f"{REPO_DIR}/", ""),
        "commit": commit(REPO_DIR) + " (the work tree may hold uncommitted changes)",
        "machine": describe_machine(),
        "load average": f"{load_before} before, {load_average()} after",
        "load generator": f"{' '.join(wrk_version)}: wrk -t1 -c{args.connections} "
        f"-d{args.duration:g}s --latency, {args.warmup:g} s warm-up per payload, "
        "loopback",
        "servers": f"{args.workers} workers each: roost and floor on gunicorn "
        "gthread (roost's options and default threads, ROOST_PROFILE=production), "
        f"seed on gunicorn sync, MLServer parallel_workers={args.workers}",
        "payloads": f"{', '.join(map(str, args.sizes))} records: the first valid "
        f"houses of test.csv ({timing['valid_houses']} valid), the 24 model inputs "
        "(whole rows: test.csv's 79 columns but Id)",
        "in-process timing": f"fastest of {args.repeats} loops of ~0.05 s each "
        "(wall time in the table; CPU time for the overhead)",
        "roost venv": f"{ctx.roost_python.parent.parent} ({python_version}): "
        + versions(ctx.roost_python, VERSIONS["roost"]),
    }
    for name, python in ctx.venv_pythons.items():
        out[f"{name} venv"] = versions(python, VERSIONS[name])
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; print the report; 1 if a server was not measured."""
    args = parse_args(argv)
    find_wrk()
    args.roost_python = roost_interpreter(args.roost_python)
    load_before = load_average()
    payload_dir = WORK_DIR / "payloads"
    timing = prepare_workload(args, payload_dir)
    prices: list[float] = timing["reference_prices"]
    in_process, in_process_cpu = (
        {
            key: {int(size): seconds for size, seconds in by_size.items()}
            for key, by_size in timing[field].items()
        }
        for field in ("seconds_per_call", "cpu_seconds_per_call")
    )
    venv_pythons, venv_failures = {}, {}
    for venv in sorted({SERVERS[n].venv for n in args.servers} - {None}):
        try:
            venv_pythons[venv] = ensure_venv(venv, args.roost_python)
        except VenvError as exc:
            venv_failures[venv] = f"venv set-up failed: {exc}"
    ctx = Context(
        args.roost_python,
        args.model_dir.resolve(),
        WORK_DIR,
        args.workers,
        venv_pythons,
    )
    rounds: dict[str, list[ServerRun]] = {name: [] for name in args.servers}
    for round_number in range(1, args.rounds + 1):
        if args.rounds > 1:
            _log(f"round {round_number} of {args.rounds}")
        # Each round starts with another server, so no server always runs
        # at the same moment of a periodic load.
        shift = (round_number - 1) % len(args.servers)
        for name in args.servers[shift:] + args.servers[:shift]:
            spec = SERVERS[name]
            if spec.venv in venv_failures:
                failure = venv_failures[spec.venv]
                rounds[name].append(ServerRun(name, spec.label, failure=failure))
                continue
            try:
                rounds[name].append(bench_server(spec, ctx, args, payload_dir, prices))
            except (ServerError, WrkError, OSError) as exc:
                _log(f"{name}: FAILED: {exc}")
                rounds[name].append(ServerRun(name, spec.label, failure=str(exc)))
    runs = [best_of(rounds[name]) for name in args.servers]
    report = Report(
        facts=facts(args, ctx, load_before, timing),
        sizes=args.sizes,
        runs=runs,
        in_process=in_process,
        in_process_cpu=in_process_cpu,
        connections=args.connections,
        duration_s=args.duration,
        rounds=args.rounds,
    )
    text = render(report)
    print(text)
    if args.write:
        args.write.write_text(text)
        _log(f"report written to {args.write}")
    return 1 if any(run.failure for run in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
