"""Tests of roost_house_price_band.pipeline: build, split, train, measure."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from roost.core import Training
from roost_house_price_band import config
from roost_house_price_band.pipeline import build_pipeline, split_dataset


class TestBuildPipeline:
    """The unfitted pipeline: features, then a logistic regression."""

    def test_steps(self) -> None:
        """Numbers are imputed and scaled, labels imputed and one-hot encoded."""
        pipeline = build_pipeline()
        assert list(pipeline.named_steps) == ["features", "classifier"]
        assert isinstance(pipeline.named_steps["classifier"], LogisticRegression)
        features = pipeline.named_steps["features"]
        assert [(n, list(cols)) for n, _, cols in features.transformers] == [
            ("numbers", list(config.NUMERICAL_VARS)),
            ("labels", list(config.CATEGORICAL_VARS)),
        ]


class TestSplitDataset:
    """split_dataset holds out 20% of train.csv, stratified by band."""

    def test_sizes_and_strata(self, train_data: pd.DataFrame) -> None:
        """1168 training and 292 holdout rows; each band's share kept within 1%."""
        split = split_dataset(train_data)
        assert len(split.X_train) == len(split.y_train) == 1168
        assert len(split.X_holdout) == len(split.y_holdout) == 292
        assert list(split.X_train.columns) == list(config.FEATURES)
        for band in config.BANDS:
            share_train = np.mean(split.y_train == band)
            share_holdout = np.mean(split.y_holdout == band)
            assert abs(share_train - share_holdout) < 0.01

    def test_same_split_every_time(self, train_data: pd.DataFrame) -> None:
        """The seed fixes the split, so retraining measures the same rows."""
        first, second = split_dataset(train_data), split_dataset(train_data)
        assert first.X_holdout.index.equals(second.X_holdout.index)


class TestTraining:
    """train() fits the pipeline well above the majority-band baseline."""

    def test_metric_names(self, training: Training) -> None:
        """The metrics are the documented ones."""
        assert set(training.metrics) == {
            "accuracy",
            "balanced_accuracy",
            "log_loss",
            "baseline_accuracy",
            "n_train",
            "n_holdout",
        }
        assert training.metrics["n_train"] == 1168
        assert training.metrics["n_holdout"] == 292

    def test_well_above_the_majority_baseline(self, training: Training) -> None:
        """Holdout accuracy is over 0.75, at least 0.4 above always-the-majority."""
        metrics = training.metrics
        assert 0.3 < metrics["baseline_accuracy"] < 0.36
        assert metrics["accuracy"] > 0.75
        assert metrics["accuracy"] - metrics["baseline_accuracy"] > 0.4
        assert metrics["balanced_accuracy"] > 0.75
        assert metrics["log_loss"] < 0.6

    def test_artifact_is_the_fitted_pipeline(self, training: Training) -> None:
        """The artifact is a fitted Pipeline predicting the three bands."""
        pipeline = training.artifact
        assert isinstance(pipeline, Pipeline)
        assert sorted(pipeline.classes_) == sorted(config.BANDS)
