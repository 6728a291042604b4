"""The adapter call: validated rows in, one JSON-ready item per row out."""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np
import pandas as pd

from roost.core.contract.adapter import ModelAdapter
from roost.core.errors import AdapterError, PredictionError

__all__ = ["output_rows", "predict_rows"]

logger = logging.getLogger(__name__)


def predict_rows(
    adapter: ModelAdapter, frame: pd.DataFrame, name: str, version: str
) -> list[Any]:
    """Call `adapter.predict` on validated rows; return one item per row.

    Serving (`model_lane`) and batch scoring (`roost.core.batch.job`) both
    call adapters through here, so they treat every answer alike.

    Raises:
        AdapterError: the adapter refused the rows.
        PredictionError: the adapter crashed or miscounted its outputs.
    """
    try:
        output = adapter.predict(frame)
    except AdapterError:
        raise
    except Exception as exc:
        logger.exception("adapter %s %s failed to predict", name, version)
        raise PredictionError(name, version, f"{type(exc).__name__}: {exc}") from exc
    values = output_rows(output)
    if len(values) != len(frame):
        raise PredictionError(
            name, version, f"returned {len(values)} predictions for {len(frame)} rows"
        )
    return values


def output_rows(output: Any) -> list[Any]:
    """Turn whatever an adapter returned into one JSON-ready item per row."""
    if isinstance(output, pd.DataFrame):
        clean = output.astype(object).where(output.notna(), None)
        rows: list[Any] = clean.to_dict(orient="records")
        return rows
    if isinstance(output, pd.Series):
        output = output.to_numpy()
    if isinstance(output, np.ndarray):
        if output.ndim == 1 and output.dtype.kind == "f":
            return [
                value if math.isfinite(value) else None for value in output.tolist()
            ]
        values: list[Any] = output.tolist()
        return values
    return list(output)
