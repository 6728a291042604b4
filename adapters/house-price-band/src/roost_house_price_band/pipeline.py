"""Build, train and measure the house-price-band classification pipeline."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, balanced_accuracy_score, log_loss
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from roost_house_price_band import config
from roost_house_price_band.bands import band_of
from roost_house_price_band.inputs import model_inputs

__all__ = ["DataSplit", "build_pipeline", "evaluate", "split_dataset", "train_pipeline"]


@dataclass(frozen=True)
class DataSplit:
    """train.csv's inputs and bands, split into training and holdout rows."""

    X_train: pd.DataFrame
    X_holdout: pd.DataFrame
    y_train: np.ndarray
    y_holdout: np.ndarray


def build_pipeline() -> Pipeline:
    """Return the unfitted pipeline: impute, scale and one-hot, then classify.

    Numbers: missing ones become the training median, then standardised.
    Labels: missing ones become "Missing", then one-hot encoded; a label the
    training rows lacked (the schema allows every label of train.csv, the
    training split may miss a rare one) encodes as all zeros.
    """
    numbers = Pipeline(
        [
            ("impute", SimpleImputer(strategy="median")),
            ("scale", StandardScaler()),
        ]
    )
    labels = Pipeline(
        [
            (
                "impute",
                SimpleImputer(strategy="constant", fill_value=config.MISSING_LABEL),
            ),
            ("encode", OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
        ]
    )
    features = ColumnTransformer(
        [
            ("numbers", numbers, list(config.NUMERICAL_VARS)),
            ("labels", labels, list(config.CATEGORICAL_VARS)),
        ]
    )
    classifier = LogisticRegression(C=config.LOGISTIC_C, max_iter=config.MAX_ITER)
    return Pipeline([("features", features), ("classifier", classifier)])


def split_dataset(data: pd.DataFrame) -> DataSplit:
    """Split train.csv rows into training and holdout rows, stratified by band."""
    bands = band_of(data[config.TARGET])
    X_train, X_holdout, y_train, y_holdout = train_test_split(  # noqa: N806
        model_inputs(data),
        bands,
        test_size=config.HOLDOUT_SIZE,
        random_state=config.RANDOM_STATE,
        stratify=bands,
    )
    return DataSplit(X_train, X_holdout, np.asarray(y_train), np.asarray(y_holdout))


def evaluate(
    pipeline: Pipeline,
    X: pd.DataFrame,  # noqa: N803
    y: np.ndarray,
    majority: str,
) -> dict[str, float]:
    """Measure a fitted pipeline on rows `X` whose true bands are `y`.

    Returns:
        `accuracy`, `balanced_accuracy`, `log_loss`, and `baseline_accuracy`:
        the accuracy of always answering `majority` (the training rows' most
        common band).
    """
    predicted = pipeline.predict(X)
    probabilities = pipeline.predict_proba(X)
    classes = list(pipeline.classes_)
    return {
        "accuracy": float(accuracy_score(y, predicted)),
        "balanced_accuracy": float(balanced_accuracy_score(y, predicted)),
        "log_loss": float(log_loss(y, probabilities, labels=classes)),
        "baseline_accuracy": float(np.mean(y == majority)),
    }


def train_pipeline(data: pd.DataFrame) -> tuple[Pipeline, dict[str, float]]:
    """Fit the pipeline on train.csv rows and measure it on the holdout.

    Args:
        data: train.csv as read by `roost_house_price_band.dataset.load_dataset`.

    Returns:
        The fitted pipeline and its holdout metrics (see `evaluate`), plus
        `n_train` and `n_holdout`.
    """
    split = split_dataset(data)
    pipeline = build_pipeline()
    pipeline.fit(split.X_train, split.y_train)
    bands, counts = np.unique(split.y_train, return_counts=True)
    majority = str(bands[np.argmax(counts)])
    metrics = evaluate(pipeline, split.X_holdout, split.y_holdout, majority)
    metrics["n_train"] = float(len(split.X_train))
    metrics["n_holdout"] = float(len(split.X_holdout))
    return pipeline, metrics
