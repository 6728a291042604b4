"""Read what `roost package` is given: the fitted model and its data."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pandas as pd

from roost_sklearn.naming import PackagingError
from roost_sklearn.trust import check_trusted, load_skops, untrusted_types

__all__ = ["JOBLIB_SUFFIXES", "read_data", "read_model"]

#: Files read with joblib (the packager's own files); `.skops` reads with skops.
JOBLIB_SUFFIXES = (".joblib", ".pkl", ".pickle")


def read_data(path: Path, target: str | None) -> pd.DataFrame:
    """Read the CSV or Parquet data; drop the target column if one is named.

    Raises:
        PackagingError: unreadable, empty, or without the named target.
    """
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            frame = pd.read_csv(path)
        elif suffix in {".parquet", ".pq"}:
            frame = pd.read_parquet(path)
        else:
            raise PackagingError(f"data {path}: give a .csv or .parquet file")
    except (OSError, ValueError) as exc:
        if isinstance(exc, PackagingError):
            raise
        raise PackagingError(f"cannot read data {path}: {exc}") from exc
    if target is not None:
        if target not in frame.columns:
            raise PackagingError(f"data {path} has no target column {target!r}")
        frame = frame.drop(columns=[target])
    if frame.empty:
        raise PackagingError(f"data {path} has no rows or no input columns")
    frame.columns = [str(column) for column in frame.columns]
    return frame


def read_model(
    path: Path, skops_copy: Path, trust: tuple[str, ...]
) -> tuple[Any, tuple[str, ...]]:
    """Write the model in skops form to `skops_copy`; load it back from there.

    A `.skops` file is copied as it is; a joblib file is the packager's own,
    loads with joblib and is saved with skops. Either way the copy loads with
    skops, only after every type it holds that skops does not trust by
    itself is in `trust`: what is checked is what will be served. Returns
    the model and the types it needs trusted beyond skops' defaults.

    Raises:
        PackagingError: unreadable, of another kind, or with untrusted types.
    """
    if not path.is_file():
        raise PackagingError(f"model {path} is not a file")
    suffix = path.suffix.lower()
    if suffix == ".skops":
        shutil.copyfile(path, skops_copy)
    elif suffix in JOBLIB_SUFFIXES:
        _resave_joblib(path, skops_copy)
    else:
        raise PackagingError(
            f"model {path}: give a .skops file or a joblib file "
            f"({', '.join(JOBLIB_SUFFIXES)})"
        )
    try:
        found = untrusted_types(skops_copy)
    except Exception as exc:
        raise PackagingError(f"model {path} is not a skops file: {exc}") from exc
    trusted = check_trusted(found, trust)
    try:
        return load_skops(skops_copy, trusted), trusted
    except Exception as exc:
        raise PackagingError(f"cannot load model {path} with skops: {exc}") from exc


def _resave_joblib(path: Path, skops_copy: Path) -> None:
    import joblib  # noqa: PLC0415 - only for joblib input
    import skops.io  # noqa: PLC0415

    try:
        model = joblib.load(path)
    except Exception as exc:
        raise PackagingError(f"cannot load model {path} with joblib: {exc}") from exc
    try:
        skops.io.dump(model, skops_copy)
    except Exception as exc:
        raise PackagingError(f"cannot save model {path} with skops: {exc}") from exc
