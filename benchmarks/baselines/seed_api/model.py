"""The seed model package's prediction logic, on roost's trained pipeline.

`make_prediction` turns the records into a DataFrame, drops rows the pipeline
cannot handle (missing values where training had none, non-positive values of
logged inputs), predicts log prices and returns dollars, logging inputs and
outputs on the way as the seed did.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd

from roost_house_prices import config

_logger = logging.getLogger("seed_api.model")

#: Inputs that had no missing values in training: rows missing them are dropped.
NUMERICAL_NA_NOT_ALLOWED = [
    var for var in config.NUMERICAL_VARS if var not in config.NUMERICAL_VARS_WITH_NA
]
CATEGORICAL_NA_NOT_ALLOWED = [
    var for var in config.CATEGORICAL_VARS if var not in config.CATEGORICAL_VARS_WITH_NA
]


def load_pipeline(path: Path) -> Any:
    """Load the persisted scikit-learn pipeline (the seed pickled it with joblib)."""
    return joblib.load(path)


def validate_inputs(input_data: pd.DataFrame) -> pd.DataFrame:
    """Drop the rows the fitted pipeline cannot predict."""
    validated = input_data.copy()
    if input_data[NUMERICAL_NA_NOT_ALLOWED].isna().any().any():
        validated = validated.dropna(axis=0, subset=NUMERICAL_NA_NOT_ALLOWED)
    if input_data[CATEGORICAL_NA_NOT_ALLOWED].isna().any().any():
        validated = validated.dropna(axis=0, subset=CATEGORICAL_NA_NOT_ALLOWED)
    log_vars = list(config.LOG_VARS)
    if (input_data[log_vars] <= 0).any().any():
        validated = validated[~(validated[log_vars] <= 0).any(axis=1)]
    return validated


def make_prediction(
    *, input_data: list[dict[str, Any]], pipeline: Any, version: str
) -> dict[str, Any]:
    """Predict sale prices in dollars for the validated records."""
    data = pd.DataFrame(input_data)
    validated = validate_inputs(data)
    prediction = pipeline.predict(validated[list(config.FEATURES)])
    output = np.exp(prediction)
    results = {"predictions": output, "version": version}
    # NOTE: an f-string, as the seed wrote it: the DataFrame is formatted on
    # every request whatever the log level.
    _logger.info(
        f"Making predictions with model version: {version} "
        f"Inputs: {validated} "
        f"Predictions: {results}"
    )
    return results
