"""Tests of roost_house_prices.pipeline: structure, split and a hand re-computation."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.pipeline import Pipeline

from roost.core.contract.adapter import Training
from roost_house_prices.pipeline import build_pipeline, predict_prices, split_dataset

# The tutorial's specification, written out again here (not imported from
# config) so the hand re-computation below is independent of the package.
SPEC_FEATURES = [
    "MSSubClass", "MSZoning", "Neighborhood", "OverallQual", "OverallCond",
    "YearRemodAdd", "RoofStyle", "MasVnrType", "BsmtQual", "BsmtExposure",
    "HeatingQC", "CentralAir", "1stFlrSF", "GrLivArea", "BsmtFullBath",
    "KitchenQual", "Fireplaces", "FireplaceQu", "GarageType", "GarageFinish",
    "GarageCars", "PavedDrive", "LotFrontage", "YrSold",
]  # fmt: skip
SPEC_CATEGORICAL = {
    "MSZoning", "Neighborhood", "RoofStyle", "MasVnrType", "BsmtQual",
    "BsmtExposure", "HeatingQC", "CentralAir", "KitchenQual", "FireplaceQu",
    "GarageType", "GarageFinish", "PavedDrive",
}  # fmt: skip
SPEC_CATEGORICAL_WITH_NA = {
    "MasVnrType", "BsmtQual", "BsmtExposure", "FireplaceQu", "GarageType",
    "GarageFinish",
}  # fmt: skip
SPEC_LOG = {"LotFrontage", "1stFlrSF", "GrLivArea"}
STEP_NAMES = [
    "categorical_imputer",
    "numerical_imputer",
    "temporal_variable",
    "rare_label_encoder",
    "categorical_encoder",
    "log_transformer",
    "drop_features",
    "scaler",
    "lasso",
]


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def predict_by_hand(pipeline: Pipeline, record: dict[str, Any]) -> float:
    """Re-apply the fitted steps to one record with plain Python and numpy."""
    steps = pipeline.named_steps
    modes = steps["numerical_imputer"].imputer_dict_
    frequent = steps["rare_label_encoder"].encoder_dict_
    ranks = steps["categorical_encoder"].encoder_dict_
    features = []
    for var in SPEC_FEATURES:
        if var == "YrSold":
            continue  # only the temporal feature's reference, then dropped
        value = record[var]
        if var in SPEC_CATEGORICAL:
            if var in SPEC_CATEGORICAL_WITH_NA and _missing(value):
                value = "Missing"
            if value not in frequent[var]:
                value = "Rare"
            features.append(float(ranks[var][value]))
            continue
        if _missing(value):
            value = modes[var]
        if var == "YearRemodAdd":
            value = record["YrSold"] - value
        if var in SPEC_LOG:
            value = math.log(value)
        features.append(float(value))
    scaler, lasso = steps["scaler"], steps["lasso"]
    scaled = np.array(features) * scaler.scale_ + scaler.min_
    return math.exp(float(np.dot(scaled, lasso.coef_)) + float(lasso.intercept_))


class TestBuildPipeline:
    """build_pipeline returns the tutorial's nine steps."""

    def test_step_order(self) -> None:
        """The steps run in the tutorial's order."""
        assert list(build_pipeline().named_steps) == STEP_NAMES

    def test_model_hyper_parameters(self) -> None:
        """The Lasso uses alpha 0.005 and seed 0; rare labels use tol 0.01."""
        steps = build_pipeline().named_steps
        assert steps["lasso"].alpha == 0.005
        assert steps["lasso"].random_state == 0
        assert steps["rare_label_encoder"].tol == 0.01


class TestSplitDataset:
    """split_dataset holds out 10% of train.csv with seed 0."""

    def test_sizes_and_columns(self, train_data: pd.DataFrame) -> None:
        """1314 training rows and 146 holdout rows of the 24 features."""
        split = split_dataset(train_data)
        assert len(split.X_train) == 1314
        assert len(split.X_holdout) == 146
        assert list(split.X_train.columns) == SPEC_FEATURES

    def test_lot_frontage_mode(self, training: Training) -> None:
        """The LotFrontage fill value is the training split's mode, 60."""
        imputer = training.artifact.named_steps["numerical_imputer"]  # type: ignore[attr-defined]
        assert imputer.imputer_dict_ == {"LotFrontage": 60.0}


class TestHandComputation:
    """The fitted pipeline equals a by-hand application of its learned state."""

    def test_scaler_sees_expected_columns(self, training: Training) -> None:
        """The scaler receives the features without YrSold, in order."""
        scaler = training.artifact.named_steps["scaler"]  # type: ignore[attr-defined]
        assert list(scaler.feature_names_in_) == SPEC_FEATURES[:-1]

    def test_matches_pipeline_on_valid_test_rows(
        self, training: Training, valid_test_data: pd.DataFrame
    ) -> None:
        """On all 1451 valid test.csv rows the two agree to 1e-9 relative."""
        pipeline = training.artifact
        assert isinstance(pipeline, Pipeline)
        expected = predict_prices(pipeline, valid_test_data)
        by_hand = [
            predict_by_hand(pipeline, record)
            for record in valid_test_data.to_dict(orient="records")
        ]
        assert len(by_hand) == 1451
        assert by_hand == pytest.approx(expected.tolist(), rel=1e-9, abs=0)
