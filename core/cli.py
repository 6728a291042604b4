"""The `roost` command: serve, list models, train."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from roost.core import artifacts
from roost.core.errors import ArtifactError, RoostError
from roost.core.logs import configure_logging
from roost.core.registry import AdapterEntry, Registry
from roost.core.settings import Settings

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

    commands.add_parser("models", help="list installed adapters and whether they load")

    train = commands.add_parser("train", help="train an adapter and save its artifact")
    train.add_argument("name", help="adapter name, e.g. house-prices")
    train.add_argument("--version", help="adapter version (default: the newest)")
    train.add_argument(
        "--if-missing",
        action="store_true",
        help="do nothing when a verified artifact already exists",
    )
    return parser


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    from roost.core.server import RoostServer  # noqa: PLC0415 - gunicorn only when serving

    changes = {
        key: value
        for key in ("host", "port", "workers", "threads")
        if (value := getattr(args, key)) is not None
    }
    RoostServer(settings.replace(**changes)).run()
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
    print(f"{'NAME':<24} {'VERSION':<12} {'TASK':<16} STATE")
    for entry in entries:
        task = entry.adapter_class.task if entry.adapter_class else "-"
        state = "ready" if entry.ready else f"not ready: {entry.error}"
        print(f"{entry.name:<24} {entry.version or '-':<12} {task:<16} {state}")
    return 0


def _train(settings: Settings, args: argparse.Namespace) -> int:
    entry: AdapterEntry = _discover(settings).find(args.name, args.version)
    context = entry.context
    if entry.adapter_class is None or entry.version is None or context is None:
        print(f"roost: adapter {args.name!r} is broken: {entry.error}", file=sys.stderr)
        return 1
    adapter_class = entry.adapter_class
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
        entry.name,
        entry.version,
        training.artifact,
        training.metrics,
    )
    elapsed = time.perf_counter() - started
    print(f"saved {settings.model_dir / manifest.artifact} in {elapsed:.1f} s")
    print(f"sha256 {manifest.sha256}")
    for metric, value in manifest.metrics.items():
        print(f"  {metric:<12} {value:,.6g}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        if args.command == "serve":
            return _serve(settings, args)
        if args.command == "models":
            return _models(settings)
        return _train(settings, args)
    except (RoostError, ValueError) as exc:
        print(f"roost: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
