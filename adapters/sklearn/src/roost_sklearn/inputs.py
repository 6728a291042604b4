"""Hand the estimator the columns it was fitted on: its order, dtypes, NaN.

roost validates rows against the card's schema and builds a frame in schema
order: numbers as float64 (NaN where missing), strings as objects with None
where missing. scikit-learn's imputers and encoders look for NaN, not None, in
object columns (pandas reads a CSV's missing text as NaN), so missing values
become NaN here, and the columns are put in the estimator's own order.

The columns stay numpy arrays: the ONNX engine feeds them to its session as
they are, and only the scikit-learn engine pays for a frame
(`ModelInputs.for_estimator`), which costs more than a small model's predict.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from roost.core import AdapterError, column_arrays
from roost_sklearn.card import ModelCard
from roost_sklearn.schema_inference import is_number_rule

__all__ = ["ModelInputs", "model_inputs", "model_inputs_of_columns"]

Column = np.ndarray[Any, Any]


class ModelInputs(Mapping[str, Column]):
    """The estimator's input columns by name, in its order, and their rows' index.

    Numbers are float64 arrays, strings object arrays; NaN marks a missing value
    in both.
    """

    def __init__(
        self,
        columns: Mapping[str, Column],
        index: pd.Index,
        *,
        named: bool,
        missing: Mapping[str, np.ndarray[Any, Any]] | None = None,
    ) -> None:
        self._columns = dict(columns)
        self.index = index
        self.named = named
        self._missing = dict(missing or {})

    def missing_mask(self, name: str) -> np.ndarray[Any, Any] | None:
        """Where string column `name` is missing, as found on the way in; else None."""
        return self._missing.get(name)

    def __getitem__(self, name: str) -> Column:
        return self._columns[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._columns)

    def __len__(self) -> int:
        return len(self._columns)

    @property
    def rows(self) -> int:
        """The number of rows."""
        return len(self.index)

    @cached_property
    def for_estimator(self) -> Any:
        """The rows as the estimator was fitted on them: a frame, or an array."""
        names = list(self._columns)
        frame = pd.DataFrame(self._columns, index=self.index, columns=names)
        return frame if self.named else frame.to_numpy()


def model_inputs(frame: pd.DataFrame, card: ModelCard) -> ModelInputs:
    """Return `frame`'s columns as the estimator takes them.

    Raises:
        AdapterError: a required input column is absent.
    """
    present = set(frame.columns)
    given = column_arrays(frame, [name for name in card.features if name in present])
    return _as_estimator_takes(given, len(frame), frame.index, card, _numbers)


def model_inputs_of_columns(
    columns: Mapping[str, Sequence[Any]], rows: int, card: ModelCard
) -> ModelInputs:
    """Return validated column lists as the estimator takes them.

    The lists hold what a frame of the same rows holds (numbers, strings,
    None where missing), so the inputs equal `model_inputs` of that frame.

    Raises:
        AdapterError: a required input column is absent.
    """
    return _as_estimator_takes(columns, rows, pd.RangeIndex(rows), card, _number_list)


def _as_estimator_takes(
    given: Mapping[str, Any],
    rows: int,
    index: pd.Index,
    card: ModelCard,
    numbers: Callable[[Any], Column],
) -> ModelInputs:
    """The card's features from `given` columns: float64 numbers, NaN-marked strings."""
    absent = [name for name in card.features if name not in given]
    required = [name for name in absent if card.input_schema[name].get("required")]
    if required:
        raise AdapterError(f"missing input column(s): {', '.join(required)}")
    columns: dict[str, Column] = {}
    missing: dict[str, Column] = {}
    for name in card.features:
        number = is_number_rule(card.input_schema[name])
        if name not in given:
            dtype = float if number else object
            columns[name] = np.full(rows, np.nan, dtype=dtype)
        elif number:
            columns[name] = numbers(given[name])
        else:
            columns[name], missing[name] = _strings(given[name])
    return ModelInputs(columns, index, named=card.named_features, missing=missing)


def _number_list(values: Sequence[Any]) -> Column:
    """JSON numbers (None where missing) as float64, NaN where missing."""
    return np.array(values, dtype=np.float64)


def _numbers(values: Column) -> Column:
    if values.dtype == np.float64:
        return values
    if values.dtype.kind in "iub":
        return values.astype(np.float64)
    return np.asarray(pd.to_numeric(values), dtype=np.float64)


def _strings(column: Column | Sequence[Any]) -> tuple[Column, Column]:
    """The column with NaN where missing, and where that is."""
    values = np.asarray(column, dtype=object)
    missing = pd.isna(values)
    if missing.any():
        values = values.copy()  # never write through to the caller's frame
        values[missing] = np.nan
    return values, missing
