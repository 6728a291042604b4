"""`roost drift`: compare a payload log's inputs with the reference rows."""

from __future__ import annotations

import argparse
from pathlib import Path

from roost.core.contract.registry import Registry
from roost.core.runtime.settings import Settings

__all__ = ["add_drift_parser", "run_drift_command"]


def add_drift_parser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    """Declare `roost drift`."""
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


def run_drift_command(settings: Settings, args: argparse.Namespace) -> int:
    """Print each feature's drift; with `--html`, write the report there too."""
    from roost.core.monitoring.drift_report import render_html  # noqa: PLC0415
    from roost.core.monitoring.payload_drift import run_drift  # noqa: PLC0415

    try:
        report = run_drift(
            Registry.from_settings(settings), args.name, args.log, args.version
        )
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
