"""The compiled engine predicts what the scikit-learn pipeline predicts."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from served_roads import both_roads
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from roost.core.contract.adapter import AdapterContext, Training
from roost.core.contract.artifacts import save_artifact
from roost.core.errors import AdapterError
from roost.core.serving.validation import RecordValidator
from roost_house_prices import config
from roost_house_prices.adapter import HousePricesAdapter
from roost_house_prices.compiled import (
    MIRRORED_STEPS,
    CompiledPipeline,
    UnexpectedStepsError,
)
from roost_house_prices.schema import INPUT_SCHEMA


@pytest.fixture(scope="module")
def served_frame(test_data: pd.DataFrame) -> pd.DataFrame:
    """Every valid test.csv house as roost's validator hands it to the adapter."""
    records = test_data[list(config.FEATURES)].astype(object)
    records = records.where(records.notna(), None).to_dict(orient="records")
    return RecordValidator(INPUT_SCHEMA).validate(records).frame


@pytest.fixture(scope="module")
def pipeline_adapter(
    context: AdapterContext, adapter: HousePricesAdapter
) -> HousePricesAdapter:
    """The same artifact served with the option engine=pipeline."""
    del adapter  # trained and saved the artifact
    slow = HousePricesAdapter(
        dataclasses.replace(context, options={"engine": "pipeline"})
    )
    slow.load()
    return slow


class TestCompiledEngine:
    """Differential tests: compiled arrays against the fitted pipeline."""

    def test_default_engine_is_compiled(self, adapter: HousePricesAdapter) -> None:
        """Without options the adapter serves the compiled engine."""
        assert adapter.engine == "compiled"

    def test_all_test_houses_agree(
        self, adapter: HousePricesAdapter, served_frame: pd.DataFrame
    ) -> None:
        """All 1451 valid test.csv houses agree to 1e-9 relative."""
        fast = adapter.predict(served_frame)
        reference = adapter.predict_reference(served_frame)
        assert len(fast) == 1451
        np.testing.assert_allclose(fast, reference, rtol=1e-9, atol=0)

    @pytest.mark.parametrize("rows", [1, 5, 17, 300])
    def test_a_house_is_priced_alike_in_any_batch(
        self, adapter: HousePricesAdapter, served_frame: pd.DataFrame, rows: int
    ) -> None:
        """Batches of 1, 5, 17 or 300 houses give every house its price, bit for bit.

        Small and large batches take different roads to the same arithmetic
        (one object matrix or typed columns; a Python or a numpy sum).
        """
        whole = adapter.predict(served_frame)
        in_parts = np.concatenate(
            [
                adapter.predict(served_frame.iloc[start : start + rows])
                for start in range(0, min(len(served_frame), 40 * rows), rows)
            ]
        )
        np.testing.assert_array_equal(in_parts, whole[: len(in_parts)])

    def test_pipeline_engine_serves_the_pipeline(
        self,
        adapter: HousePricesAdapter,
        pipeline_adapter: HousePricesAdapter,
        served_frame: pd.DataFrame,
    ) -> None:
        """engine=pipeline predicts with scikit-learn itself, and agrees."""
        assert pipeline_adapter.engine == "pipeline"
        np.testing.assert_allclose(
            pipeline_adapter.predict(served_frame.head(50)),
            adapter.predict(served_frame.head(50)),
            rtol=1e-9,
            atol=0,
        )

    def test_unknown_engine_is_refused(self, context: AdapterContext) -> None:
        """An engine option other than compiled or pipeline fails load clearly."""
        odd = HousePricesAdapter(
            dataclasses.replace(context, options={"engine": "gpu"})
        )
        with pytest.raises(AdapterError, match="engine 'gpu'"):
            odd.load()

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def test_resampled_houses_with_gaps_agree(
        self,
        data: st.DataObject,
        adapter: HousePricesAdapter,
        served_frame: pd.DataFrame,
    ) -> None:
        """Random rows, with optional inputs blanked, agree to 1e-9 relative."""
        rows = data.draw(
            st.lists(st.integers(0, len(served_frame) - 1), min_size=1, max_size=20)
        )
        frame = served_frame.iloc[rows].reset_index(drop=True).copy()
        for var in config.NULLABLE_VARS:
            blank = data.draw(
                st.lists(st.booleans(), min_size=len(rows), max_size=len(rows))
            )
            frame.loc[blank, var] = None
        np.testing.assert_allclose(
            adapter.predict(frame), adapter.predict_reference(frame), rtol=1e-9, atol=0
        )

    def test_non_positive_area_fails_like_the_pipeline(
        self, adapter: HousePricesAdapter, served_frame: pd.DataFrame
    ) -> None:
        """Both engines refuse a zero area, naming the input and the rule."""
        frame = served_frame.head(3).copy()
        frame["GrLivArea"] = 0
        with pytest.raises(AdapterError) as fast:
            adapter.predict(frame)
        with pytest.raises(AdapterError) as reference:
            adapter.predict_reference(frame)
        expected = "GrLivArea: values must be strictly positive to take the log"
        assert str(fast.value).startswith(expected)
        assert str(reference.value).startswith(expected)


@pytest.fixture(scope="module")
def client_records(test_data: pd.DataFrame) -> list[dict[str, Any]]:
    """Every test.csv house's inputs as a JSON client sends them (null: missing)."""
    records: list[dict[str, Any]] = json.loads(
        test_data[list(config.FEATURES)].to_json(orient="records")
    )
    return records


class TestColumnsRoad:
    """`predict_columns` prices what `predict` prices, bit for bit."""

    def test_every_test_house_in_small_batches(
        self, adapter: HousePricesAdapter, client_records: list[dict[str, Any]]
    ) -> None:
        """Each valid test.csv house, in batches of up to 32 as clients send them."""
        compared = 0
        for start in range(0, len(client_records), 29):
            both = both_roads(adapter, client_records[start : start + 29])
            if both is None:  # a house the schema refuses: cerberus words it
                continue
            from_columns, from_frame = both
            np.testing.assert_array_equal(from_columns, from_frame)
            compared += len(from_frame)
        assert compared > 1000

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def test_houses_with_gaps(
        self,
        data: st.DataObject,
        adapter: HousePricesAdapter,
        client_records: list[dict[str, Any]],
    ) -> None:
        """Random houses, optional inputs nulled: the same prices either way."""
        picked = data.draw(
            st.lists(st.integers(0, len(client_records) - 1), min_size=1, max_size=8)
        )
        records = [dict(client_records[row]) for row in picked]
        for record in records:
            for var in config.NULLABLE_VARS:
                if data.draw(st.booleans()):
                    record[var] = None
        both = both_roads(adapter, records)
        if both is not None:
            np.testing.assert_array_equal(*both)

    def test_non_positive_area_is_refused_alike(
        self, adapter: HousePricesAdapter, client_records: list[dict[str, Any]]
    ) -> None:
        """A zero area (the schema refuses it first): the same AdapterError."""
        records = client_records[:3]
        columns = {var: [r[var] for r in records] for var in config.FEATURES}
        columns["GrLivArea"] = [0, 0, 0]
        with pytest.raises(AdapterError) as from_columns:
            adapter.predict_columns(columns, 3)
        frame = RecordValidator(INPUT_SCHEMA).validate(records).frame
        frame["GrLivArea"] = 0
        with pytest.raises(AdapterError) as from_frame:
            adapter.predict(frame)
        assert str(from_columns.value) == str(from_frame.value)

    def test_the_pipeline_engine_declines(
        self,
        pipeline_adapter: HousePricesAdapter,
        client_records: list[dict[str, Any]],
    ) -> None:
        """engine=pipeline answers NotImplemented: roost hands it the frame."""
        columns = {var: [client_records[0][var]] for var in config.FEATURES}
        assert pipeline_adapter.predict_columns(columns, 1) is NotImplemented


class TestMirroredSteps:
    """The compiled engine loads only the exact pipeline it mirrors."""

    def test_extra_step_is_refused_by_name(
        self, tmp_path: Path, training: Training
    ) -> None:
        """A pipeline with one more step fails load, naming that step."""
        pipeline = training.artifact
        steps = [*pipeline.steps[:-1], ("clip", FunctionTransformer())]
        extended = Pipeline([*steps, pipeline.steps[-1]])
        context = AdapterContext(
            name="house-prices", version="1.0.0", model_dir=tmp_path
        )
        save_artifact(tmp_path, "house-prices", "1.0.0", extended, training.metrics)
        with pytest.raises(AdapterError, match=r"unexpected step\(s\) clip"):
            HousePricesAdapter(context).load()
        loaded = HousePricesAdapter(
            dataclasses.replace(context, options={"engine": "pipeline"})
        )
        loaded.load()  # the pipeline engine serves any pipeline as it is

    def test_step_of_another_type_is_refused(self, training: Training) -> None:
        """The scaler swapped for a StandardScaler is named with its type."""
        steps = [
            (name, StandardScaler() if name == "scaler" else step)
            for name, step in training.artifact.steps
        ]
        with pytest.raises(UnexpectedStepsError, match=r"scaler \(StandardScaler\)"):
            CompiledPipeline.from_pipeline(Pipeline(steps))

    def test_the_trained_pipeline_is_the_mirrored_one(self, training: Training) -> None:
        """The steps the trainer builds are exactly MIRRORED_STEPS."""
        found = [(name, type(step)) for name, step in training.artifact.steps]
        assert found == list(MIRRORED_STEPS)
