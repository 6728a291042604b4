"""The `roost` command: serving, models, batch scoring, drift, keys, packaging."""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from roost.core.contract import artifacts
from roost.core.contract.adapter import TASKS, VERSION_FROM_ARTIFACT, AdapterContext
from roost.core.contract.registry import AdapterEntry, Registry
from roost.core.errors import ArtifactError, RoostError
from roost.core.runtime.control.commands import reload_server, stop_server
from roost.core.runtime.control.pidfile import pidfile_of
from roost.core.runtime.logs import configure_logging
from roost.core.runtime.settings import Settings
from roost.core.security.key_file import load_ring
from roost.core.security.keys_command import add_keys_parser, run_keys

if TYPE_CHECKING:
    from roost.core.batch.job import BatchJob

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="roost", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser(
        "serve", help="serve every installed adapter with gunicorn"
    )
    serve.add_argument(
        "--host", help="address to bind (default: ROOST_HOST or 127.0.0.1)"
    )
    serve.add_argument(
        "--port", type=int, help="port (default: ROOST_PORT, PORT or 8000)"
    )
    serve.add_argument("--workers", type=int, help="gunicorn worker processes")
    serve.add_argument("--threads", type=int, help="threads per worker")
    _add_control(
        commands,
        "reload",
        "start new workers (adapters discovered anew), wait until they are "
        "ready, then retire the old ones",
        "seconds to wait for the new workers (default: 120)",
    )
    _add_control(
        commands,
        "stop",
        "stop the server gracefully: accepted requests finish",
        "seconds to wait for it to exit (default: ROOST_GRACEFUL_TIMEOUT + 30)",
    )

    commands.add_parser("models", help="list installed adapters and whether they load")

    train = commands.add_parser("train", help="train an adapter and save its artifact")
    train.add_argument("name", help="adapter name, e.g. house-prices")
    train.add_argument("--version", help="adapter version (default: the newest)")
    train.add_argument(
        "--if-missing",
        action="store_true",
        help="do nothing when a verified artifact already exists",
    )
    _add_diff(commands)
    _add_predict(commands)
    _add_drift(commands)
    add_keys_parser(commands)
    _add_package(commands)
    return parser


def _add_control(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    summary: str,
    timeout_help: str,
) -> None:
    """Add a command that finds a running server through its pidfile."""
    command = commands.add_parser(name, help=summary, description=summary + ".")
    command.add_argument(
        "--port", type=int, help="the server's port, naming its default pidfile"
    )
    command.add_argument(
        "--pidfile", type=Path, help="the server's pidfile (default: ROOST_PIDFILE)"
    )
    command.add_argument("--timeout", type=float, help=timeout_help)


def _add_diff(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    diff = commands.add_parser(
        "diff",
        help="compare the installed artifact's predictions with a baseline artifact",
        description="Predict the same reference rows with the installed artifact "
        "and a baseline and compare each declared output: numbers by relative "
        "difference, labels by agreement, probabilities by absolute difference; "
        "exit 1 if any output is beyond its limit.",
    )
    diff.add_argument("name", help="adapter name, e.g. house-prices")
    diff.add_argument(
        "--baseline",
        required=True,
        metavar="PATH_OR_VERSION",
        help="an artifact folder, a .joblib file with its manifest beside, "
        "or a version of NAME in ROOST_MODEL_DIR",
    )
    diff.add_argument("--version", help="candidate version (default: the newest)")
    diff.add_argument(
        "--data",
        type=Path,
        help="reference rows, CSV or Parquet (default: the adapter's reference_data())",
    )
    diff.add_argument(
        "--tolerance",
        type=float,
        default=0.05,
        help="largest difference allowed per row: relative for numbers, "
        "absolute for probabilities (default: 0.05)",
    )
    diff.add_argument(
        "--min-agreement",
        type=float,
        default=0.99,
        help="smallest share of rows whose labels must agree (default: 0.99)",
    )


def _add_predict(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    predict = commands.add_parser(
        "predict",
        help="score a CSV or Parquet file or folder, writing predictions and errors",
        description="Validate and predict every row of the input, streaming batch "
        "by batch; invalid rows go to the errors output with id, field and reason.",
    )
    predict.add_argument("name", help="adapter name, e.g. house-prices")
    predict.add_argument("--version", help="adapter version (default: the newest)")
    predict.add_argument(
        "--input", type=Path, required=True, help="CSV/Parquet file/folder"
    )
    predict.add_argument(
        "--output",
        type=Path,
        required=True,
        help="a .csv/.parquet file, or a folder of part files (required for dask)",
    )
    predict.add_argument(
        "--errors",
        type=Path,
        help="where invalid rows go (default: OUTPUT.errors[.csv|.parquet])",
    )
    predict.add_argument(
        "--format",
        choices=("csv", "parquet"),
        help="output format of a folder output (default: parquet)",
    )
    predict.add_argument(
        "--id-column",
        help="input column carried to the outputs (default: the row's position)",
    )
    predict.add_argument("--engine", choices=("local", "dask"), default="local")
    predict.add_argument(
        "--scheduler", metavar="ADDRESS", help="dask scheduler (default: LocalCluster)"
    )
    predict.add_argument("--workers", type=int, help="LocalCluster size (2)")
    predict.add_argument(
        "--batch-size",
        type=int,
        default=16_384,
        help="rows validated and predicted at a time (default: 16384)",
    )
    predict.add_argument("--overwrite", action="store_true", help="replace outputs")
    predict.add_argument("--no-progress", action="store_true", help="no progress bar")


def _add_drift(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    drift = commands.add_parser(
        "drift",
        help="compare a payload log's inputs with the adapter's reference rows",
        description="Bin each input feature as roost_feature_drift does and print "
        "its population stability index against the adapter's reference rows: "
        "below 0.1 stable, 0.1 to 0.25 moderate, above 0.25 a shift.",
    )
    drift.add_argument("name", help="adapter name, e.g. house-prices")
    drift.add_argument(
        "--log",
        type=Path,
        action="append",
        required=True,
        help="a payload log file (JSON lines); repeat for several files",
    )
    drift.add_argument(
        "--version",
        help="the version whose reference rows and log lines count "
        "(default: the newest installed; log lines of every version)",
    )
    drift.add_argument(
        "--html", type=Path, metavar="OUT", help="also write an HTML report here"
    )


def _add_package(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    package = commands.add_parser(
        "package",
        help="turn a fitted scikit-learn model into an installable adapter wheel",
        description="Build one wheel serving a fitted scikit-learn model (a .skops "
        "or joblib file) with roost-sklearn: input schema inferred from the data, "
        "outputs declared, the artifact in skops form with its sha256, reference "
        "rows. Prints the wheel's path as the last line.",
    )
    package.add_argument("--model", type=Path, required=True, help=".skops or joblib")
    package.add_argument(
        "--data", type=Path, required=True, help="CSV or Parquet with the inputs"
    )
    package.add_argument("--name", required=True, help="URL name, e.g. house-band")
    package.add_argument("--version", required=True, help="PEP 440, e.g. 1.0.0")
    package.add_argument("--task", choices=TASKS, help="default: what the estimator is")
    package.add_argument("--target", help="a column of the data to drop")
    package.add_argument(
        "--output", type=Path, default=Path("dist"), help="folder (default: dist/)"
    )
    package.add_argument(
        "--trust",
        action="append",
        default=[],
        metavar="TYPE",
        help="a type skops does not trust by itself that the artifact may hold "
        "(repeat for each)",
    )
    package.add_argument(
        "--max-categories",
        type=int,
        metavar="N",
        help="string columns with at most N distinct values accept only those "
        "(default: 20; 0: none)",
    )
    package.add_argument(
        "--bounds", action="store_true", help="numbers keep within the data's range"
    )
    package.add_argument("--description", default="", help="one sentence")


def _package(args: argparse.Namespace) -> int:
    # NOTE: roost-sklearn is a separate distribution; core never imports it
    # at module level, and works without it for every other command.
    try:
        packaging = importlib.import_module("roost_sklearn.packaging")
    except ModuleNotFoundError as exc:
        raise ValueError(
            f"roost package needs roost-sklearn ({exc}): pip install roost-sklearn "
            "(from a roost checkout: pip install ./adapters/sklearn)"
        ) from None
    limit = args.max_categories  # None: roost-sklearn's default
    request = packaging.PackageRequest(
        model=args.model,
        data=args.data,
        name=args.name,
        version=args.version,
        task=args.task,
        target=args.target,
        output=args.output,
        trust=tuple(args.trust),
        bounds=args.bounds,
        description=args.description,
        **({} if limit is None else {"max_categories": limit}),
    )
    print(packaging.package_model(request))
    return 0


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    from roost.core.runtime.server import RoostServer  # noqa: PLC0415 - gunicorn only when serving

    changes = {
        key: value
        for key in ("host", "port", "workers", "threads")
        if (value := getattr(args, key)) is not None
    }
    if settings.api_keys_file is not None:
        # A broken key file stops `roost serve` here, not each worker.
        load_ring(settings.api_keys_file)
    RoostServer(settings.replace(**changes)).run()
    return 0


def _pidfile(settings: Settings, args: argparse.Namespace) -> Path:
    if args.pidfile is not None:
        return Path(args.pidfile)
    if args.port is not None:
        settings = settings.replace(port=args.port)
    return pidfile_of(settings, os.environ)


def _timeout(args: argparse.Namespace, default: float) -> float:
    if args.timeout is None:
        return default
    if args.timeout <= 0:
        raise ValueError(f"--timeout must be positive, got {args.timeout}")
    return float(args.timeout)


def _reload(settings: Settings, args: argparse.Namespace) -> int:
    outcome = reload_server(_pidfile(settings, args), _timeout(args, 120.0))
    print(outcome.render())
    return 0


def _stop(settings: Settings, args: argparse.Namespace) -> int:
    timeout = _timeout(args, settings.graceful_timeout + 30.0)
    pid = stop_server(_pidfile(settings, args), timeout)
    print(f"stopped: the server (PID {pid}) has exited")
    return 0


def _discover(settings: Settings) -> Registry:
    return Registry.from_settings(settings)


def _models(settings: Settings) -> int:
    configure_logging("critical", settings.log_format)  # the table shows every error
    registry = _discover(settings)
    registry.load_all()
    entries = registry.entries()
    if not entries:
        print(f"no adapters installed in namespace {settings.adapter_namespace}")
        return 0
    print(f"{'NAME':<24} {'VERSION':<12} {'TASK':<16} {'DEFAULT':<8} STATE")
    problems = registry.pin_problems()
    for entry in entries:
        task = entry.adapter_class.task if entry.adapter_class else "-"
        state = "ready" if entry.ready else f"not ready: {entry.error}"
        default = _default_mark(registry, entry, problems)
        print(
            f"{entry.name:<24} {entry.version or '-':<12} {task:<16} "
            f"{default:<8} {state}"
        )
    for name, problem in problems.items():
        print(f"{name}: {problem}")
    return 0


def _default_mark(
    registry: Registry, entry: AdapterEntry, problems: dict[str, str]
) -> str:
    """Say whether requests naming no version get `entry`: newest or pinned."""
    if entry.name in problems:
        return "-"
    if registry.lookup(entry.name) is not entry:
        return ""
    return "pinned" if registry.pinned(entry.name) is not None else "newest"


def _train_target(
    settings: Settings, args: argparse.Namespace
) -> tuple[AdapterEntry, AdapterContext]:
    """The adapter version to train, and its context.

    An adapter whose versions are its artifacts trains the `--version` asked
    for, a new one or an existing one.
    """
    registry = _discover(settings)
    for entry in registry.entries():
        cls = entry.adapter_class
        if entry.name == args.name and cls and cls.version == VERSION_FROM_ARTIFACT:
            if not args.version:
                raise ValueError(
                    f"{args.name}'s versions are its artifacts: name the version "
                    "to train with --version"
                )
            context = AdapterContext(
                args.name,
                args.version,
                settings.model_dir,
                dict(settings.adapter_options.get(args.name, {})),
                settings.library_mismatch,
            )
            return dataclasses.replace(entry, version=args.version), context
    entry = registry.lookup(args.name, args.version)
    if entry.adapter_class is None or entry.version is None or entry.context is None:
        raise ValueError(f"adapter {args.name!r} is broken: {entry.error}")
    return entry, entry.context


def _train(settings: Settings, args: argparse.Namespace) -> int:
    try:
        entry, context = _train_target(settings, args)
    except ValueError as exc:
        print(f"roost: {exc}", file=sys.stderr)
        return 1
    adapter_class = entry.adapter_class
    assert adapter_class is not None  # noqa: S101 - checked by _train_target
    if not adapter_class.supports_training():
        print(
            f"roost: adapter {entry.name!r} does not support training", file=sys.stderr
        )
        return 1
    if args.if_missing:
        try:
            context.load_artifact()
        except ArtifactError as exc:
            print(f"no usable artifact ({exc}); training")
        else:
            where = settings.model_dir
            print(f"{entry.name} {entry.version}: artifact present in {where}")
            return 0
    print(f"training {entry.name} {entry.version} ...", flush=True)
    started = time.perf_counter()
    training = adapter_class(context).train()
    manifest = artifacts.save_artifact(
        settings.model_dir,
        context.name,
        context.version,
        training.artifact,
        training.metrics,
    )
    elapsed = time.perf_counter() - started
    print(f"saved {settings.model_dir / manifest.artifact} in {elapsed:.1f} s")
    print(f"sha256 {manifest.sha256}")
    for metric, value in manifest.metrics.items():
        print(f"  {metric:<12} {value:,.6g}")
    return 0


def _diff(settings: Settings, args: argparse.Namespace) -> int:
    from roost.core.batch.diff import run_diff  # noqa: PLC0415 - batch modules on use

    if args.tolerance < 0:
        raise ValueError(f"--tolerance must not be negative, got {args.tolerance}")
    if not 0 <= args.min_agreement <= 1:
        raise ValueError(
            f"--min-agreement must be between 0 and 1, got {args.min_agreement}"
        )
    report = run_diff(
        _discover(settings),
        args.name,
        args.baseline,
        version=args.version,
        data=args.data,
        tolerance=args.tolerance,
        min_agreement=args.min_agreement,
    )
    print(report.render())
    return 0 if report.passed else 1


def _drift(settings: Settings, args: argparse.Namespace) -> int:
    from roost.core.monitoring.drift_report import render_html  # noqa: PLC0415
    from roost.core.monitoring.payload_drift import run_drift  # noqa: PLC0415

    try:
        report = run_drift(_discover(settings), args.name, args.log, args.version)
    except OSError as exc:
        raise ValueError(f"cannot read the payload log: {exc}") from exc
    print(report.render())
    if args.html is not None:
        try:
            args.html.write_text(render_html(report), encoding="utf-8")
        except OSError as exc:
            raise ValueError(f"cannot write the report: {exc}") from exc
        print(f"report       {args.html}")
    return 0


def _batch_job(settings: Settings, args: argparse.Namespace) -> BatchJob:
    from roost.core.batch.job import BatchJob  # noqa: PLC0415 - batch modules on use

    entry = _discover(settings).lookup(args.name, args.version)
    if entry.adapter_class is None or entry.context is None:
        raise ValueError(f"adapter {args.name!r} is broken: {entry.error}")
    if args.batch_size <= 0:
        raise ValueError(f"--batch-size must be positive, got {args.batch_size}")
    # Absolute paths: Dask workers may run elsewhere than this directory.
    context = dataclasses.replace(
        entry.context, model_dir=entry.context.model_dir.resolve()
    )
    return BatchJob(entry.adapter_class, context, args.id_column, args.batch_size)


def _predict(settings: Settings, args: argparse.Namespace) -> int:
    # NOTE: tqdm and dask load only here; `roost serve` never imports them.
    from roost.core.batch.inputs import input_files, plan_pieces  # noqa: PLC0415
    from roost.core.batch.local import run_local  # noqa: PLC0415
    from roost.core.batch.outputs import OutputLayout  # noqa: PLC0415

    dask = args.engine == "dask"
    if not dask and (args.scheduler is not None or args.workers is not None):
        raise ValueError("--scheduler and --workers need --engine dask")
    if args.workers is not None and args.workers <= 0:
        raise ValueError(f"--workers must be positive, got {args.workers}")
    errors = args.errors.resolve() if args.errors else None
    layout = OutputLayout.decide(args.output.resolve(), errors, args.format)
    if dask and not layout.parts:
        raise ValueError(
            "--engine dask writes a folder of part files: give --output a path "
            "without a .csv or .parquet suffix"
        )
    files = input_files(args.input.resolve())
    job = _batch_job(settings, args)
    pieces = plan_pieces(files, job.batch_size)
    layout.prepare(overwrite=args.overwrite)
    progress = not args.no_progress
    if dask:
        from roost.core.batch.on_dask import run_dask  # noqa: PLC0415

        summary = run_dask(
            job,
            pieces,
            layout,
            scheduler=args.scheduler,
            workers=args.workers or 2,
            progress=progress,
        )
    else:
        summary = run_local(job, pieces, layout, progress=progress)
    print(summary.render())
    print(f"predictions  {layout.predictions}")
    print(f"errors       {layout.errors}")
    return 0


def _run(args: argparse.Namespace) -> int:
    if args.command == "package":  # reads no settings: it builds, serves nothing
        return _package(args)
    settings = Settings.from_env()
    commands: dict[str, Callable[[Settings, argparse.Namespace], int]] = {
        "serve": _serve,
        "reload": _reload,
        "stop": _stop,
        "models": lambda settings, _args: _models(settings),
        "diff": _diff,
        "predict": _predict,
        "train": _train,
        "keys": lambda settings, args: run_keys(settings.api_keys_file, args),
        "drift": _drift,
    }
    return commands[args.command](settings, args)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except (RoostError, ValueError) as exc:
        print(f"roost: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
