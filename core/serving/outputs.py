"""Whatever an adapter returns, as one JSON-ready item per row."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["output_rows"]


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
