"""Tests of roost_house_price_band.adapter: train, save, load and predict."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.pipeline import Pipeline

from roost.core import (
    PREDICTIONS,
    PROBABILITIES,
    AdapterContext,
    AdapterError,
    Output,
    Training,
    save_artifact,
)
from roost.core.contract.adapter import check_adapter_class
from roost.core.serving.validation import RecordValidator
from roost.core.testing import check_contract
from roost_house_price_band import config
from roost_house_price_band.adapter import HousePriceBandAdapter
from roost_house_price_band.inputs import model_inputs
from roost_house_price_band.schema import INPUT_SCHEMA


def as_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The model inputs of every row of `frame` as JSON-like records."""
    inputs = frame[list(config.FEATURES)].astype(object)
    inputs = inputs.where(inputs.notna(), None)
    return [{str(k): v for k, v in row.items()} for row in inputs.to_dict("records")]


@pytest.fixture(scope="module")
def served_frame(valid_test_data: pd.DataFrame) -> pd.DataFrame:
    """Every valid test.csv house as roost's validator hands it to the adapter."""
    batch = RecordValidator(INPUT_SCHEMA).validate(as_records(valid_test_data))
    assert not batch.problems
    return batch.frame


def pipeline_of(training: Training) -> Pipeline:
    """The fitted pipeline a training produced."""
    assert isinstance(training.artifact, Pipeline)
    return training.artifact


def in_band_order(pipeline: Pipeline, probabilities: np.ndarray) -> np.ndarray:
    """Reorder predict_proba's columns from classes_ order to cheapest first."""
    classes = list(pipeline.classes_)
    return probabilities[:, [classes.index(band) for band in config.BANDS]]


class TestAdapterClass:
    """The class honours roost's adapter contract."""

    def test_passes_contract_check(self) -> None:
        """check_adapter_class accepts the class."""
        assert check_adapter_class(HousePriceBandAdapter) is HousePriceBandAdapter

    def test_identity(self) -> None:
        """Name, version, task and description are set as documented."""
        assert HousePriceBandAdapter.name == "house-price-band"
        assert HousePriceBandAdapter.version == "1.0.0"
        assert HousePriceBandAdapter.task == "classification"
        assert "140,000" in HousePriceBandAdapter.description
        assert HousePriceBandAdapter.supports_training()

    def test_declared_outputs(self) -> None:
        """A band label and one probability per band, cheapest band first."""
        label, probabilities = HousePriceBandAdapter.declared_outputs()
        assert label == Output.label(("cheap", "mid", "expensive"))
        assert label.name == PREDICTIONS and label.datatype == "BYTES"
        assert probabilities.name == PROBABILITIES
        assert probabilities.describe() == {
            "name": "probabilities",
            "datatype": "FP64",
            "shape": [-1, 3],
            "kind": "probabilities",
            "labels": ["cheap", "mid", "expensive"],
        }

    def test_entry_point(self) -> None:
        """The distribution registers the class under roost.adapters."""
        points = importlib.metadata.entry_points(group="roost.adapters")
        assert points["house-price-band"].load() is HousePriceBandAdapter


class TestContract:
    """roost's own contract checks pass on the trained adapter."""

    def test_check_contract(
        self, tmp_path: Path, valid_test_data: pd.DataFrame
    ) -> None:
        """check_contract trains, loads twice, checks both outputs on 5 houses."""
        records = as_records(valid_test_data.head(5))
        answers = check_contract(
            HousePriceBandAdapter, model_dir=tmp_path, records=records, train=True
        )
        assert len(answers) == 5
        assert set(answers) <= set(config.BANDS)


class TestLoad:
    """load() reads the saved artifact and refuses one that does not fit."""

    def test_load_twice(
        self, context: AdapterContext, training: Training, test_data: pd.DataFrame
    ) -> None:
        """Loading twice leaves a working adapter."""
        del training  # saved the artifact loaded here
        adapter = HousePriceBandAdapter(context)
        adapter.load()
        adapter.load()
        assert adapter.predict(test_data.head(3))[PREDICTIONS].shape == (3,)

    def test_predict_before_load(self, context: AdapterContext) -> None:
        """predict() before load() raises AdapterError."""
        frame = pd.DataFrame(columns=list(config.FEATURES))
        with pytest.raises(AdapterError, match="not loaded"):
            HousePriceBandAdapter(context).predict(frame)

    def test_refuses_an_artifact_that_is_no_pipeline(self, tmp_path: Path) -> None:
        """An artifact that is not a fitted Pipeline fails load, saying so."""
        context = AdapterContext("house-price-band", "1.0.0", tmp_path)
        save_artifact(tmp_path, context.name, context.version, {"a": 1}, {})
        with pytest.raises(AdapterError, match="not a fitted scikit-learn"):
            HousePriceBandAdapter(context).load()

    def test_refuses_other_classes(
        self, tmp_path: Path, training: Training, train_data: pd.DataFrame
    ) -> None:
        """A pipeline predicting other labels than the bands fails load."""
        other = clone(pipeline_of(training)).fit(
            model_inputs(train_data),
            np.where(train_data["SalePrice"] > 163_000, "high", "low"),
        )
        context = AdapterContext("house-price-band", "1.0.0", tmp_path)
        save_artifact(tmp_path, context.name, context.version, other, {})
        with pytest.raises(AdapterError, match="not the bands"):
            HousePriceBandAdapter(context).load()


class TestPredict:
    """predict() answers exactly what the fitted pipeline answers."""

    def test_equals_the_pipeline(
        self,
        adapter: HousePriceBandAdapter,
        training: Training,
        served_frame: pd.DataFrame,
    ) -> None:
        """On all 1458 valid test houses: predict's labels, predict_proba's numbers."""
        pipeline = pipeline_of(training)
        answer = adapter.predict(served_frame)
        inputs = model_inputs(served_frame)
        assert len(served_frame) == 1458
        np.testing.assert_array_equal(answer[PREDICTIONS], pipeline.predict(inputs))
        np.testing.assert_array_equal(
            answer[PROBABILITIES],
            in_band_order(pipeline, pipeline.predict_proba(inputs)),
        )

    def test_probabilities_are_in_band_order(
        self, adapter: HousePriceBandAdapter, served_frame: pd.DataFrame
    ) -> None:
        """Each row's probabilities sum to 1 and the label is the most probable band."""
        answer = adapter.predict(served_frame)
        probabilities = answer[PROBABILITIES]
        assert probabilities.shape == (1458, 3)
        np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-12)
        most_probable = np.asarray(config.BANDS)[probabilities.argmax(axis=1)]
        np.testing.assert_array_equal(answer[PREDICTIONS], most_probable)
        assert set(answer[PREDICTIONS]) == set(config.BANDS)

    def test_a_big_house_is_expensive(
        self, adapter: HousePriceBandAdapter, served_frame: pd.DataFrame
    ) -> None:
        """A new, large, top-quality NridgHt house is expensive, a poor one cheap."""
        big = {"OverallQual": 10, "GrLivArea": 3000, "YearBuilt": 2008}
        poor = {"OverallQual": 3, "GrLivArea": 700, "YearBuilt": 1920}
        frame = pd.DataFrame(
            [
                as_records(served_frame.head(1))[0] | big | {"Neighborhood": "NridgHt"},
                as_records(served_frame.head(1))[0] | poor | {"Neighborhood": "IDOTRR"},
            ]
        )
        answer = adapter.predict(frame)
        assert answer[PREDICTIONS].tolist() == ["expensive", "cheap"]
        assert answer[PROBABILITIES][0, 2] > 0.9
        assert answer[PROBABILITIES][1, 0] > 0.9

    @pytest.mark.parametrize(
        "outputs",
        [(PREDICTIONS,), (PROBABILITIES,), (PREDICTIONS, PROBABILITIES), None],
    )
    def test_computes_only_the_outputs_asked_for(
        self,
        adapter: HousePriceBandAdapter,
        served_frame: pd.DataFrame,
        outputs: tuple[str, ...] | None,
    ) -> None:
        """The answer holds the outputs named (all for None), equal to the full one."""
        frame = served_frame.head(40)
        full = adapter.predict(frame)
        answer = adapter.predict(frame, outputs=outputs)
        assert set(answer) == set(outputs or (PREDICTIONS, PROBABILITIES))
        for name, values in answer.items():
            np.testing.assert_array_equal(values, full[name])

    def test_unknown_output_is_refused(
        self, adapter: HousePriceBandAdapter, served_frame: pd.DataFrame
    ) -> None:
        """An output the adapter does not declare raises AdapterError naming it."""
        with pytest.raises(AdapterError, match="scores"):
            adapter.predict(served_frame.head(1), outputs=("scores",))

    def test_frame_is_not_mutated(
        self, adapter: HousePriceBandAdapter, served_frame: pd.DataFrame
    ) -> None:
        """The caller's frame is unchanged after predict()."""
        frame = served_frame.head(20).copy()
        before = frame.copy()
        adapter.predict(frame)
        pd.testing.assert_frame_equal(frame, before)

    def test_optional_columns_may_be_absent(
        self, adapter: HousePriceBandAdapter, served_frame: pd.DataFrame
    ) -> None:
        """A frame without the nullable columns predicts as if they were null."""
        rows = served_frame.head(10)
        without = rows.drop(columns=list(config.NULLABLE_VARS))
        nulls = rows.copy()
        nulls[list(config.NULLABLE_VARS)] = None
        absent, null = adapter.predict(without), adapter.predict(nulls)
        np.testing.assert_array_equal(absent[PREDICTIONS], null[PREDICTIONS])
        np.testing.assert_array_equal(absent[PROBABILITIES], null[PROBABILITIES])

    def test_required_column_absent(
        self, adapter: HousePriceBandAdapter, served_frame: pd.DataFrame
    ) -> None:
        """A frame without a required column raises AdapterError naming it."""
        with pytest.raises(AdapterError, match="GrLivArea"):
            adapter.predict(served_frame.head(2).drop(columns=["GrLivArea"]))

    def test_text_for_a_number_is_refused(
        self, adapter: HousePriceBandAdapter, served_frame: pd.DataFrame
    ) -> None:
        """A number column holding text raises AdapterError naming the column."""
        frame = served_frame.head(2).astype({"GrLivArea": object})
        frame.loc[0, "GrLivArea"] = "big"
        with pytest.raises(AdapterError, match="GrLivArea"):
            adapter.predict(frame)

    @pytest.mark.parametrize("var", config.CATEGORICAL_VARS)
    def test_every_allowed_label_predicts(
        self, var: str, adapter: HousePriceBandAdapter, served_frame: pd.DataFrame
    ) -> None:
        """Every label the schema allows (and null where allowed) predicts."""
        labels: list[object] = list(INPUT_SCHEMA[var]["allowed"])
        if INPUT_SCHEMA[var]["nullable"]:
            labels.append(None)
        frame = pd.concat([served_frame.head(1)] * len(labels), ignore_index=True)
        frame[var] = pd.Series(labels, dtype=object)
        probabilities = adapter.predict(frame)[PROBABILITIES]
        assert np.isfinite(probabilities).all()
