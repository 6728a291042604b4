"""Hand the estimator the frame it was fitted on: its columns, dtypes, NaN.

roost validates rows against the card's schema and builds a frame in schema
order: numbers as float64 (NaN where missing), strings as objects with None
where missing. scikit-learn's imputers and encoders look for NaN, not None, in
object columns (pandas reads a CSV's missing text as NaN), so missing values
become NaN here, and the columns are put in the estimator's own order.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from roost.core import AdapterError
from roost_sklearn.card import ModelCard
from roost_sklearn.schema_inference import is_number_rule

__all__ = ["model_inputs"]


def model_inputs(frame: pd.DataFrame, card: ModelCard) -> Any:
    """Return `frame` as the estimator takes it (a frame, or an array).

    Raises:
        AdapterError: a required input column is absent.
    """
    absent = [name for name in card.features if name not in frame.columns]
    required = [name for name in absent if card.input_schema[name].get("required")]
    if required:
        raise AdapterError(f"missing input column(s): {', '.join(required)}")
    columns: dict[str, Any] = {}
    for name in card.features:
        number = is_number_rule(card.input_schema[name])
        if name not in frame.columns:
            values: Any = np.full(len(frame), np.nan, dtype=float if number else object)
        elif number:
            values = pd.to_numeric(frame[name]).astype("float64").to_numpy()
        else:
            column = frame[name].astype(object)
            values = column.where(column.notna(), np.nan).to_numpy(dtype=object)
        columns[name] = values
    inputs = pd.DataFrame(columns, index=frame.index, columns=list(card.features))
    return inputs if card.named_features else inputs.to_numpy()
