"""The `roost` command: serving, models, batch scoring, drift, keys, packaging."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from roost.core.cli.diff import add_diff_parser, run_diff_command
from roost.core.cli.drift import add_drift_parser, run_drift_command
from roost.core.cli.models import add_models_parser, run_models
from roost.core.cli.package import add_package_parser, run_package
from roost.core.cli.predict import add_predict_parser, run_predict
from roost.core.cli.server_control import (
    add_server_parsers,
    run_reload,
    run_serve,
    run_stop,
)
from roost.core.cli.train import add_train_parser, run_train
from roost.core.errors import RoostError
from roost.core.runtime.settings import Settings
from roost.core.security.keys_command import add_keys_parser, run_keys

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="roost", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_server_parsers(commands)
    add_models_parser(commands)
    add_train_parser(commands)
    add_diff_parser(commands)
    add_predict_parser(commands)
    add_drift_parser(commands)
    add_keys_parser(commands)
    add_package_parser(commands)
    return parser


def _run(args: argparse.Namespace) -> int:
    if args.command == "package":  # reads no settings: it builds, serves nothing
        return run_package(args)
    settings = Settings.from_env()
    commands: dict[str, Callable[[Settings, argparse.Namespace], int]] = {
        "serve": run_serve,
        "reload": run_reload,
        "stop": run_stop,
        "models": lambda settings, _args: run_models(settings),
        "diff": run_diff_command,
        "predict": run_predict,
        "train": run_train,
        "keys": lambda settings, args: run_keys(settings.api_keys_file, args),
        "drift": run_drift_command,
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
