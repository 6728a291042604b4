"""Tests of roost_house_prices.adapter: train, save, load and predict."""

from __future__ import annotations

import importlib.metadata
import math

import numpy as np
import pandas as pd
import pytest

from roost.core.contract.adapter import AdapterContext, Training, check_adapter_class
from roost.core.errors import AdapterError
from roost_house_prices import config
from roost_house_prices.adapter import HousePricesAdapter


class TestAdapterClass:
    """The class honours roost's adapter contract."""

    def test_passes_contract_check(self) -> None:
        """check_adapter_class accepts the class."""
        assert check_adapter_class(HousePricesAdapter) is HousePricesAdapter

    def test_identity(self) -> None:
        """Name, version, task and description are set as documented."""
        assert HousePricesAdapter.name == "house-prices"
        assert HousePricesAdapter.version == "1.0.0"
        assert HousePricesAdapter.task == "regression"
        assert HousePricesAdapter.description
        assert HousePricesAdapter.supports_training()

    def test_entry_point(self) -> None:
        """The distribution registers the class under roost.adapters."""
        points = importlib.metadata.entry_points(group="roost.adapters")
        assert points["house-prices"].load() is HousePricesAdapter


class TestTrain:
    """train() fits the tutorial pipeline and reports holdout metrics."""

    def test_metrics(self, training: Training) -> None:
        """Holdout metrics match the tutorial's model (r2 about 0.80 in dollars)."""
        metrics = training.metrics
        assert set(metrics) == {"rmse", "r2", "rmse_log", "n_train", "n_holdout"}
        assert metrics["n_train"] == 1314
        assert metrics["n_holdout"] == 146
        assert metrics["r2"] > 0.79
        assert metrics["rmse"] == pytest.approx(37486.8, rel=0.01)
        assert metrics["rmse_log"] < 0.15


class TestLoad:
    """load() reads the saved artifact."""

    def test_load_twice(
        self, context: AdapterContext, training: Training, test_data: pd.DataFrame
    ) -> None:
        """Loading twice leaves a working adapter."""
        del training  # saved the artifact loaded here
        adapter = HousePricesAdapter(context)
        adapter.load()
        adapter.load()
        assert math.ceil(adapter.predict(test_data.iloc[:1])[0]) == 112476

    def test_predict_before_load(self, context: AdapterContext) -> None:
        """predict() before load() raises AdapterError."""
        frame = pd.DataFrame(columns=list(config.FEATURES))
        with pytest.raises(AdapterError, match="not loaded"):
            HousePricesAdapter(context).predict(frame)


class TestPredict:
    """predict() reproduces the tutorial's predictions."""

    def test_first_test_row(
        self, adapter: HousePricesAdapter, test_data: pd.DataFrame
    ) -> None:
        """test.csv's first row (Id 1461) predicts a price whose ceiling is 112476."""
        row = test_data.iloc[:1]
        assert row["Id"].item() == 1461
        prediction = adapter.predict(row)
        assert isinstance(prediction, np.ndarray)
        assert math.ceil(prediction[0]) == 112476

    def test_valid_test_rows(
        self, adapter: HousePricesAdapter, valid_test_data: pd.DataFrame
    ) -> None:
        """The 1451 test.csv rows without missing required inputs all predict."""
        predictions = adapter.predict(valid_test_data)
        assert predictions.shape == (1451,)
        assert np.isfinite(predictions).all()
        assert (predictions > 10_000).all()

    def test_frame_is_not_mutated(
        self, adapter: HousePricesAdapter, valid_test_data: pd.DataFrame
    ) -> None:
        """The caller's frame is unchanged after predict()."""
        frame = valid_test_data.head(20).copy()
        before = frame.copy()
        adapter.predict(frame)
        pd.testing.assert_frame_equal(frame, before)

    def test_host_style_frame(
        self, adapter: HousePricesAdapter, test_data: pd.DataFrame
    ) -> None:
        """Records with None for nullable inputs predict like the CSV rows."""
        rows = test_data.head(30)
        records = rows[list(config.FEATURES)].astype(object)
        records = records.where(rows[list(config.FEATURES)].notna(), None)
        frame = pd.DataFrame(records.to_dict(orient="records"), dtype=object)
        np.testing.assert_allclose(
            adapter.predict(frame), adapter.predict(rows), rtol=1e-12
        )

    def test_optional_columns_may_be_absent(
        self, adapter: HousePricesAdapter, test_data: pd.DataFrame
    ) -> None:
        """A frame without the nullable columns predicts as if they were missing."""
        rows = test_data.head(5)
        without = rows.drop(columns=list(config.NULLABLE_VARS))
        blanked = rows.copy()
        blanked[list(config.NULLABLE_VARS)] = np.nan
        np.testing.assert_allclose(
            adapter.predict(without), adapter.predict(blanked), rtol=1e-12
        )

    def test_required_column_absent(
        self, adapter: HousePricesAdapter, test_data: pd.DataFrame
    ) -> None:
        """A frame without a required column raises AdapterError naming it."""
        with pytest.raises(AdapterError, match="GrLivArea"):
            adapter.predict(test_data.head(2).drop(columns=["GrLivArea"]))

    def test_unknown_label(
        self, adapter: HousePricesAdapter, test_data: pd.DataFrame
    ) -> None:
        """A label the pipeline never saw raises AdapterError, not a bare error."""
        frame = test_data.head(2).copy()
        frame["CentralAir"] = "Q"
        with pytest.raises(AdapterError, match="CentralAir"):
            adapter.predict(frame)

    def test_non_positive_area(
        self, adapter: HousePricesAdapter, test_data: pd.DataFrame
    ) -> None:
        """A zero floor area raises AdapterError instead of predicting."""
        frame = test_data.head(2).copy()
        frame["1stFlrSF"] = 0
        with pytest.raises(AdapterError, match="strictly positive"):
            adapter.predict(frame)

    @pytest.mark.parametrize("var", config.CATEGORICAL_VARS)
    def test_every_allowed_label_predicts(
        self, var: str, adapter: HousePricesAdapter, test_data: pd.DataFrame
    ) -> None:
        """Every label the schema allows (and null where allowed) can be encoded."""
        labels: list[object] = list(adapter.input_schema[var]["allowed"])
        if adapter.input_schema[var].get("nullable"):
            labels.append(None)
        frame = pd.concat([test_data.head(1)] * len(labels), ignore_index=True)
        frame[var] = pd.Series(labels, dtype=object)
        assert np.isfinite(adapter.predict(frame)).all()
