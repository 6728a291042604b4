"""Build, train and evaluate the house-prices regression pipeline."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.linear_model import Lasso
from sklearn.metrics import mean_squared_error, r2_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler

from roost_house_prices import config
from roost_house_prices.transformers import (
    CategoricalImputer,
    DropFeatures,
    LogTransformer,
    NumericalImputer,
    RareLabelEncoder,
    TargetOrderEncoder,
    TemporalTransformer,
)

__all__ = [
    "DataSplit",
    "build_pipeline",
    "evaluate",
    "predict_prices",
    "split_dataset",
    "train_pipeline",
]


@dataclass(frozen=True)
class DataSplit:
    """train.csv split into training rows and a holdout, prices in dollars."""

    X_train: pd.DataFrame
    X_holdout: pd.DataFrame
    y_train: pd.Series
    y_holdout: pd.Series


def build_pipeline() -> Pipeline:
    """Return the unfitted pipeline: feature engineering, scaling, Lasso."""
    return Pipeline(
        [
            (
                "categorical_imputer",
                CategoricalImputer(variables=list(config.CATEGORICAL_VARS_WITH_NA)),
            ),
            (
                "numerical_imputer",
                NumericalImputer(variables=list(config.NUMERICAL_VARS_WITH_NA)),
            ),
            (
                "temporal_variable",
                TemporalTransformer(
                    variables=list(config.TEMPORAL_VARS),
                    reference_variable=config.TEMPORAL_REFERENCE,
                ),
            ),
            (
                "rare_label_encoder",
                RareLabelEncoder(
                    variables=list(config.CATEGORICAL_VARS), tol=config.RARE_LABEL_TOL
                ),
            ),
            (
                "categorical_encoder",
                TargetOrderEncoder(variables=list(config.CATEGORICAL_VARS)),
            ),
            ("log_transformer", LogTransformer(variables=list(config.LOG_VARS))),
            ("drop_features", DropFeatures(variables=list(config.DROP_FEATURES))),
            ("scaler", MinMaxScaler()),
            (
                "lasso",
                Lasso(alpha=config.LASSO_ALPHA, random_state=config.RANDOM_STATE),
            ),
        ]
    )


def split_dataset(data: pd.DataFrame) -> DataSplit:
    """Split train.csv rows into training and holdout sets (10%, seed 0)."""
    X_train, X_holdout, y_train, y_holdout = train_test_split(  # noqa: N806
        data[list(config.FEATURES)],
        data[config.TARGET],
        test_size=config.HOLDOUT_SIZE,
        random_state=config.RANDOM_STATE,
    )
    return DataSplit(X_train, X_holdout, y_train, y_holdout)


def predict_prices(pipeline: Pipeline, frame: pd.DataFrame) -> np.ndarray:
    """Predict sale prices in dollars (the pipeline predicts log prices)."""
    log_prices = np.asarray(pipeline.predict(frame[list(config.FEATURES)]))
    prices: np.ndarray = np.exp(log_prices)
    return prices


def evaluate(pipeline: Pipeline, X: pd.DataFrame, y: pd.Series) -> dict[str, float]:  # noqa: N803
    """Measure a fitted pipeline on rows `X` with true prices `y`.

    Returns:
        `rmse` and `r2` in dollars, `rmse_log` on log prices, and `n_rows`.
    """
    predicted = predict_prices(pipeline, X)
    actual = y.to_numpy(dtype=float)
    return {
        "rmse": float(np.sqrt(mean_squared_error(actual, predicted))),
        "r2": float(r2_score(actual, predicted)),
        "rmse_log": float(
            np.sqrt(mean_squared_error(np.log(actual), np.log(predicted)))
        ),
        "n_rows": float(len(X)),
    }


def train_pipeline(data: pd.DataFrame) -> tuple[Pipeline, dict[str, float]]:
    """Fit the pipeline on train.csv rows and measure it on the holdout.

    Args:
        data: train.csv as read by `roost_house_prices.dataset.load_dataset`.

    Returns:
        The fitted pipeline and its holdout metrics: `rmse`, `r2`, `rmse_log`,
        `n_train` and `n_holdout`.
    """
    split = split_dataset(data)
    pipeline = build_pipeline()
    pipeline.fit(split.X_train, np.log(split.y_train))
    holdout = evaluate(pipeline, split.X_holdout, split.y_holdout)
    metrics = {key: value for key, value in holdout.items() if key != "n_rows"}
    metrics["n_train"] = float(len(split.X_train))
    metrics["n_holdout"] = holdout["n_rows"]
    return pipeline, metrics
