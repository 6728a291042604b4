"""`roost diff`: compare two trained artifacts of an adapter by predictions."""

from __future__ import annotations

import argparse
from pathlib import Path

from roost.core.contract.registry import Registry
from roost.core.runtime.settings import Settings

__all__ = ["add_diff_parser", "run_diff_command"]


def add_diff_parser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    """Declare `roost diff`."""
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


def run_diff_command(settings: Settings, args: argparse.Namespace) -> int:
    """Print the comparison; exit status 1 when an output is beyond its limit."""
    from roost.core.batch.diff import run_diff  # noqa: PLC0415 - batch modules on use

    if args.tolerance < 0:
        raise ValueError(f"--tolerance must not be negative, got {args.tolerance}")
    if not 0 <= args.min_agreement <= 1:
        raise ValueError(
            f"--min-agreement must be between 0 and 1, got {args.min_agreement}"
        )
    report = run_diff(
        Registry.from_settings(settings),
        args.name,
        args.baseline,
        version=args.version,
        data=args.data,
        tolerance=args.tolerance,
        min_agreement=args.min_agreement,
    )
    print(report.render())
    return 0 if report.passed else 1
