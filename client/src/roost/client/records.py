"""Turn the rows a caller passes (records or a DataFrame) into a JSON body."""

from __future__ import annotations

import datetime as dt
import json
import math
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["EncodedRows", "encode_rows"]


@dataclass(frozen=True)
class EncodedRows:
    """A predict body and what is needed to align the answer with the rows."""

    body: bytes
    count: int
    #: The DataFrame's index when one was sent; None for a list of records.
    index: pd.Index[Any] | None


def encode_rows(rows: Any) -> EncodedRows:
    """Encode a list of records or a pandas DataFrame as a JSON list of records.

    Missing values (None, NaN, pandas' NA and NaT) are sent as null; NumPy
    scalars as plain numbers; dates and times in ISO 8601.

    Raises:
        TypeError: `rows` is neither a DataFrame nor a sequence of mappings, or
            holds a value JSON cannot carry.
        ValueError: a value is an infinite number, or a frame repeats a column.
    """
    frame_type = _dataframe_type()
    if frame_type is not None and isinstance(rows, frame_type):
        return EncodedRows(_dumps(_frame_records(rows)), len(rows), rows.index)
    if isinstance(rows, str | bytes | Mapping) or not isinstance(rows, Sequence):
        raise TypeError(
            "rows must be a list of records (dicts) or a pandas DataFrame, "
            f"not {type(rows).__name__}"
        )
    for position, record in enumerate(rows):
        if not isinstance(record, Mapping):
            raise TypeError(
                f"record {position} is a {type(record).__name__}, not a mapping"
            )
    return EncodedRows(_dumps(rows), len(rows), None)


def _dataframe_type() -> type[pd.DataFrame] | None:
    """Return DataFrame if pandas is imported (as a DataFrame implies), else None."""
    pandas = sys.modules.get("pandas")
    return None if pandas is None else pandas.DataFrame


def _frame_records(frame: pd.DataFrame) -> list[dict[Any, Any]]:
    """The frame's rows as dicts of plain Python values, missing ones None."""
    repeated = frame.columns[frame.columns.duplicated()].unique().tolist()
    if repeated:
        raise ValueError(f"the frame repeats columns {repeated}: one value per field")
    plain = frame.astype(object).where(frame.notna(), None)
    return plain.to_dict(orient="records")


def _dumps(records: Any) -> bytes:
    try:
        text = json.dumps(records, default=_plain, allow_nan=False)
    except ValueError:
        # NaN stands for a missing value (pandas' habit); infinity has no meaning.
        text = json.dumps(_without_nan(records), default=_plain, allow_nan=False)
    return text.encode()


def _without_nan(value: Any) -> Any:
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if math.isinf(value):
            raise ValueError(f"{value} cannot be sent: JSON has no infinite numbers")
        return value
    if isinstance(value, Mapping):
        return {key: _without_nan(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_without_nan(item) for item in value]
    return value


def _plain(value: Any) -> Any:
    """Make a value json cannot encode by itself plain (json's `default`)."""
    pandas = sys.modules.get("pandas")
    if pandas is not None and (value is pandas.NA or value is pandas.NaT):
        return None
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    tolist = getattr(value, "tolist", None)  # NumPy scalars and arrays
    if callable(tolist):
        return _without_nan(tolist())
    raise TypeError(f"a {type(value).__name__} value cannot be sent as JSON")
