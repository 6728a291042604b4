"""Turn the frame roost hands the adapter into the pipeline's input columns."""

from __future__ import annotations

import numpy as np
import pandas as pd

from roost.core import AdapterError
from roost_house_price_band import config

__all__ = ["model_inputs"]


def model_inputs(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a new frame of the 10 inputs: numbers as float64, labels as objects.

    Absent optional columns are added as missing. roost may hand numbers in
    object or nullable-integer columns and missing values as None or pd.NA;
    here every missing value becomes NaN, which the pipeline's imputers fill.

    Raises:
        AdapterError: a required column is absent or a number is not numeric.
    """
    absent = [var for var in config.FEATURES if var not in frame.columns]
    required = [var for var in absent if var not in config.NULLABLE_VARS]
    if required:
        raise AdapterError(f"missing input column(s): {', '.join(required)}")
    columns: dict[str, pd.Series] = {}
    for var in config.NUMERICAL_VARS:
        if var in absent:
            columns[var] = pd.Series(np.nan, index=frame.index, dtype=np.float64)
            continue
        try:
            numbers = pd.to_numeric(frame[var])
        except (TypeError, ValueError) as exc:
            raise AdapterError(f"{var}: expected numbers ({exc})") from exc
        columns[var] = numbers.astype(np.float64)
    for var in config.CATEGORICAL_VARS:
        if var in absent:
            columns[var] = pd.Series(np.nan, index=frame.index, dtype=object)
            continue
        labels = frame[var].astype(object)
        columns[var] = labels.where(labels.notna(), np.nan)
    return pd.DataFrame(columns, index=frame.index)
