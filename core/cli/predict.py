"""`roost predict`: score a CSV or Parquet file or folder, locally or on Dask."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from roost.core.contract.registry import Registry
from roost.core.runtime.settings import Settings

if TYPE_CHECKING:
    from roost.core.batch.job import BatchJob

__all__ = ["add_predict_parser", "run_predict"]


def add_predict_parser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    """Declare `roost predict`."""
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


def _batch_job(settings: Settings, args: argparse.Namespace) -> BatchJob:
    from roost.core.batch.job import BatchJob  # noqa: PLC0415 - batch modules on use

    entry = Registry.from_settings(settings).lookup(args.name, args.version)
    if entry.adapter_class is None or entry.context is None:
        raise ValueError(f"adapter {args.name!r} is broken: {entry.error}")
    if args.batch_size <= 0:
        raise ValueError(f"--batch-size must be positive, got {args.batch_size}")
    # Absolute paths: Dask workers may run elsewhere than this directory.
    context = dataclasses.replace(
        entry.context, model_dir=entry.context.model_dir.resolve()
    )
    return BatchJob(entry.adapter_class, context, args.id_column, args.batch_size)


def run_predict(settings: Settings, args: argparse.Namespace) -> int:
    """Score every input row; print the summary and where the outputs went."""
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
