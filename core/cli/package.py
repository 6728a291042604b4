"""`roost package`: turn a fitted scikit-learn model into an adapter wheel."""

from __future__ import annotations

import argparse
import importlib
from pathlib import Path

from roost.core.contract.adapter import TASKS

__all__ = ["add_package_parser", "run_package"]


def add_package_parser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    """Declare `roost package`."""
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
    package.add_argument(
        "--engine",
        choices=("auto", "onnx", "sklearn"),
        default="auto",
        help="what serves the model: onnx (converted with skl2onnx, run by "
        "onnxruntime; needs roost-sklearn[onnx]), sklearn, or auto (default): onnx "
        "when it agrees with scikit-learn on the reference rows, else sklearn",
    )
    package.add_argument(
        "--onnx-tolerance",
        type=float,
        metavar="X",
        help="largest difference from scikit-learn the ONNX engine may have: "
        "absolute for probabilities, relative for regression (default: 1e-6); "
        "labels must all agree",
    )


def run_package(args: argparse.Namespace) -> int:
    """Build the wheel with roost-sklearn and print its path."""
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
    defaults: dict[str, float] = {} if limit is None else {"max_categories": limit}
    if args.onnx_tolerance is not None:
        defaults["onnx_tolerance"] = args.onnx_tolerance
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
        engine=args.engine,
        **defaults,
    )
    print(packaging.package_model(request))
    return 0
