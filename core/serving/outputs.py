"""The adapter call: validated rows in, one JSON-ready column per output out."""

from __future__ import annotations

import inspect
import logging
import math
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from roost.core.contract.adapter import ModelAdapter
from roost.core.contract.outputs import Output
from roost.core.errors import AdapterError, PredictionError

__all__ = [
    "OutputColumns",
    "collect_outputs",
    "predict_outputs",
    "takes_outputs",
]

logger = logging.getLogger(__name__)

#: Output name -> one JSON-ready value per row (2-D outputs: a list per row).
OutputColumns = dict[str, list[Any]]


def takes_outputs(adapter: ModelAdapter) -> bool:
    """Say whether the adapter's `predict` accepts an `outputs` keyword."""
    try:
        parameters = inspect.signature(adapter.predict).parameters
    except (TypeError, ValueError):
        return False
    return "outputs" in parameters


def predict_outputs(
    adapter: ModelAdapter,
    frame: pd.DataFrame,
    name: str,
    version: str,
    requested: Collection[str] | None = None,
) -> OutputColumns:
    """Call `adapter.predict` on validated rows; return the requested outputs.

    Serving (`model_lane`) and batch scoring (`roost.core.batch.job`) both
    call adapters through here, so they treat every answer alike. `requested`
    None means every declared output.

    Raises:
        AdapterError: the adapter refused the rows.
        PredictionError: the adapter crashed, or its answer does not match
            its declared outputs (a missing output, a wrong row count or
            width, a label it does not declare).
    """
    declared = type(adapter).declared_outputs()
    wanted = [o for o in declared if requested is None or o.name in requested]
    try:
        if requested is not None and takes_outputs(adapter):
            raw = adapter.predict(frame, outputs=tuple(o.name for o in wanted))  # type: ignore[call-arg]
        else:
            raw = adapter.predict(frame)
    except AdapterError:
        raise
    except Exception as exc:
        logger.exception("adapter %s %s failed to predict", name, version)
        raise PredictionError(name, version, f"{type(exc).__name__}: {exc}") from exc
    try:
        return collect_outputs(raw, declared, len(frame), wanted)
    except ValueError as exc:
        raise PredictionError(name, version, str(exc)) from exc


def collect_outputs(
    raw: Any, declared: Sequence[Output], rows: int, wanted: Sequence[Output]
) -> OutputColumns:
    """Read an adapter's answer as declared; return the `wanted` columns.

    Raises:
        ValueError: the answer does not match the declaration.
    """
    by_name = _by_name(raw, declared)
    columns: OutputColumns = {}
    for output in wanted:
        if output.name not in by_name:
            raise ValueError(f"did not return its declared output {output.name!r}")
        columns[output.name] = _column(output, by_name[output.name], rows)
    return columns


def _by_name(raw: Any, declared: Sequence[Output]) -> Mapping[str, Any]:
    if isinstance(raw, Mapping):
        return raw
    if isinstance(raw, pd.DataFrame):
        if len(raw.columns) == 1 and len(declared) == 1:
            return {declared[0].name: raw.iloc[:, 0]}  # one column, one output
        return {str(column): raw[column] for column in raw.columns}
    return {declared[0].name: raw}


def _column(output: Output, values: Any, rows: int) -> list[Any]:
    """One output's values as JSON-ready Python values, checked."""
    if isinstance(values, pd.DataFrame | pd.Series):
        values = values.to_numpy()
    array = np.asarray(values) if not isinstance(values, np.ndarray) else values
    if output.width is None:
        if array.ndim != 1:
            raise ValueError(
                f"output {output.name!r} must have one value per row, "
                f"got shape {list(array.shape)}"
            )
        column = _plain_values(array)
    else:
        if array.ndim != 2 or array.shape[1] != output.width:
            raise ValueError(
                f"output {output.name!r} must have {output.width} columns per row, "
                f"got shape {list(array.shape)}"
            )
        column = [_plain_values(row) for row in array]
    if len(column) != rows:
        raise ValueError(
            f"returned {len(column)} values of {output.name!r} for {rows} rows"
        )
    if output.kind == "label" and output.labels is not None:
        allowed = set(output.labels)
        strange = [
            value for value in column if value is not None and value not in allowed
        ]
        if strange:
            raise ValueError(
                f"output {output.name!r} returned label {strange[0]!r}, "
                f"not one of its declared labels {list(output.labels)!r}"
            )
    return column


def _plain_values(array: np.ndarray[Any, Any]) -> list[Any]:
    """Python values; non-finite floats become None (JSON has no NaN)."""
    if array.dtype.kind == "f":
        return [value if math.isfinite(value) else None for value in array.tolist()]
    if array.dtype.kind == "O":
        return [_plain_object(value) for value in array.tolist()]
    values: list[Any] = array.tolist()
    return values


def _plain_object(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    item = getattr(value, "item", None)
    if callable(item) and not isinstance(value, str | bytes):
        return _plain_object(item())
    if value is pd.NA or value is pd.NaT:
        return None
    return value
