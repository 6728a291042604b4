"""The adapter call: validated rows in, one JSON-ready column per output out."""

from __future__ import annotations

import functools
import inspect
import logging
import math
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from roost.core.contract.adapter import ModelAdapter
from roost.core.contract.outputs import Output
from roost.core.errors import AdapterError, PredictionError

__all__ = [
    "OutputArrays",
    "OutputColumns",
    "collect_outputs",
    "predict_arrays",
    "predict_column_outputs",
    "predict_outputs",
    "takes_outputs",
]

logger = logging.getLogger(__name__)

#: Output name -> one JSON-ready value per row (2-D outputs: a list per row).
OutputColumns = dict[str, list[Any]]
#: Output name -> its values: a numpy array (rows, or rows x width) for
#: numbers, else the JSON-ready list of `OutputColumns`.
OutputArrays = dict[str, np.ndarray | list[Any]]


def takes_outputs(adapter: ModelAdapter) -> bool:
    """Say whether the adapter's `predict` accepts an `outputs` keyword."""
    predict = adapter.predict
    # Bound methods are new objects on each access; their function is not.
    function = getattr(predict, "__func__", predict)
    try:
        return _accepts_outputs(function)
    except TypeError:  # an unhashable callable: read its signature each time
        return _accepts_outputs.__wrapped__(function)


@functools.lru_cache(maxsize=256)
def _accepts_outputs(predict: Callable[..., Any]) -> bool:
    """Say whether `predict` has an `outputs` parameter (read once per function)."""
    try:
        parameters = inspect.signature(predict).parameters
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
    raw = _call(adapter, frame, name, version, requested=requested, wanted=wanted)
    try:
        return collect_outputs(raw, declared, len(frame), wanted)
    except ValueError as exc:
        raise PredictionError(name, version, str(exc)) from exc


def predict_column_outputs(
    adapter: ModelAdapter,
    columns: Mapping[str, Sequence[Any]],
    rows: int,
    name: str,
    version: str,
    *,
    requested: Collection[str] | None = None,
) -> OutputColumns | None:
    """Call `adapter.predict_columns`; return the requested outputs, checked.

    Returns None when the adapter declines (answers `NotImplemented`): the
    caller then hands it the frame.

    Raises:
        AdapterError: as `predict_outputs`.
        PredictionError: as `predict_outputs`.
    """
    declared = type(adapter).declared_outputs()
    wanted = [o for o in declared if requested is None or o.name in requested]
    raw = _guarded(adapter.predict_columns, (columns, rows), name, version)
    if raw is NotImplemented:
        return None
    try:
        return collect_outputs(raw, declared, rows, wanted)
    except ValueError as exc:
        raise PredictionError(name, version, str(exc)) from exc


def predict_arrays(
    adapter: ModelAdapter, frame: pd.DataFrame, name: str, version: str
) -> OutputArrays:
    """Call `adapter.predict` as `predict_outputs` does; keep numbers in arrays.

    Every declared output is checked as `predict_outputs` checks it.
    Numeric outputs stay numpy arrays (float64 with NaN where the JSON
    answer has null, or int64 or bool); labels and other values are the
    JSON-ready lists `predict_outputs` gives.

    Raises:
        AdapterError: as `predict_outputs`.
        PredictionError: as `predict_outputs`.
    """
    declared = type(adapter).declared_outputs()
    raw = _call(adapter, frame, name, version, requested=None, wanted=declared)
    try:
        by_name = _by_name(raw, declared)
        arrays: OutputArrays = {}
        for output in declared:
            values = _declared(by_name, output)
            array = _checked_array(output, values, len(frame))
            if output.kind == "label" or array.dtype.kind not in "fiub":
                arrays[output.name] = _column(output, array, len(frame))
            else:
                arrays[output.name] = _numeric(array)
        return arrays
    except ValueError as exc:
        raise PredictionError(name, version, str(exc)) from exc


def _call(
    adapter: ModelAdapter,
    frame: pd.DataFrame,
    name: str,
    version: str,
    *,
    requested: Collection[str] | None,
    wanted: Sequence[Output],
) -> Any:
    """Call the adapter, turning a crash into a logged `PredictionError`."""
    predict: Callable[..., Any] = adapter.predict
    if requested is not None and takes_outputs(adapter):
        predict = functools.partial(predict, outputs=tuple(o.name for o in wanted))
    return _guarded(predict, (frame,), name, version)


def _guarded(
    predict: Callable[..., Any], args: tuple[Any, ...], name: str, version: str
) -> Any:
    """Call `predict(*args)`, turning a crash into a logged `PredictionError`."""
    try:
        return predict(*args)
    except AdapterError:
        raise
    except Exception as exc:
        logger.exception("adapter %s %s failed to predict", name, version)
        raise PredictionError(name, version, f"{type(exc).__name__}: {exc}") from exc


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
        columns[output.name] = _column(output, _declared(by_name, output), rows)
    return columns


def _declared(by_name: Mapping[str, Any], output: Output) -> Any:
    if output.name not in by_name:
        raise ValueError(f"did not return its declared output {output.name!r}")
    return by_name[output.name]


def _by_name(raw: Any, declared: Sequence[Output]) -> Mapping[str, Any]:
    if isinstance(raw, Mapping):
        return raw
    if isinstance(raw, pd.DataFrame):
        if len(raw.columns) == 1 and len(declared) == 1:
            return {declared[0].name: raw.iloc[:, 0]}  # one column, one output
        return {str(column): raw[column] for column in raw.columns}
    return {declared[0].name: raw}


def _checked_array(output: Output, values: Any, rows: int) -> np.ndarray:
    """One output's values as an array of the declared shape, or ValueError."""
    if isinstance(values, pd.DataFrame | pd.Series):
        values = values.to_numpy()
    array = np.asarray(values) if not isinstance(values, np.ndarray) else values
    if output.width is None:
        if array.ndim != 1:
            raise ValueError(
                f"output {output.name!r} must have one value per row, "
                f"got shape {list(array.shape)}"
            )
    elif array.ndim != 2 or array.shape[1] != output.width:
        raise ValueError(
            f"output {output.name!r} must have {output.width} columns per row, "
            f"got shape {list(array.shape)}"
        )
    if len(array) != rows:
        raise ValueError(
            f"returned {len(array)} values of {output.name!r} for {rows} rows"
        )
    return array


def _numeric(array: np.ndarray) -> np.ndarray:
    """Numbers as the JSON answer holds them: float64 (NaN for null) or int64."""
    if array.dtype.kind == "f":
        floats = np.asarray(array, dtype=np.float64)
        finite = np.isfinite(floats)
        return floats if finite.all() else np.where(finite, floats, np.nan)
    if array.dtype.kind in "iu":
        return np.asarray(array, dtype=np.int64)
    return array


def _column(output: Output, values: Any, rows: int) -> list[Any]:
    """One output's values as JSON-ready Python values, checked."""
    array = _checked_array(output, values, rows)
    if output.width is None:
        column = _plain_values(array)
    else:
        column = [_plain_values(row) for row in array]
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
    values: list[Any] = array.tolist()
    if array.dtype.kind == "O" and not set(map(type, values)) <= _PLAIN_TYPES:
        return [_plain_object(value) for value in values]
    return values  # labels all str (or int) need no converting either


#: Object values JSON takes as they are (exactly these types: no subclasses).
_PLAIN_TYPES = frozenset({str, int, bool, type(None)})


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
