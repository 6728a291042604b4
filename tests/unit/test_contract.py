"""roost.core.testing: the contract checks, run on every installed adapter."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from stevedore import ExtensionManager

from roost.core import Output
from roost.core.contract.adapter import ModelAdapter
from roost.core.testing import check_contract
from roost_house_price_band import config as band_config
from roost_house_price_band.adapter import HousePriceBandAdapter
from roost_house_price_band.dataset import load_dataset as load_band_dataset
from roost_house_prices.adapter import HousePricesAdapter
from roost_house_prices.dataset import load_dataset

#: Example records for each ready test adapter.
EXAMPLES: dict[str, list[dict[str, Any]]] = {
    "echo": [{"x": 1.5}, {"x": -2}],
    "parity": [{"n": 3}, {"n": 4}],
    "fails-predict": [{"x": 1.0}, {"x": 2.0}],
    "sleepy": [{"seconds": 0}],
}


def _installed(namespace: str) -> list[type[ModelAdapter]]:
    manager = ExtensionManager(namespace, invoke_on_load=False)
    return [ext.plugin for ext in manager if ext.name in EXAMPLES]


class TestInstalledAdapters:
    """Every well-behaved installed adapter passes the contract checks."""

    @pytest.mark.parametrize(
        "adapter_class",
        _installed("roost.adapters.testing"),
        ids=lambda cls: f"{cls.name}-{cls.version}",
    )
    def test_test_adapters(
        self, adapter_class: type[ModelAdapter], tmp_path: Path
    ) -> None:
        """Each test adapter honours the contract on its example records."""
        predictions = check_contract(
            adapter_class, model_dir=tmp_path, records=EXAMPLES[adapter_class.name]
        )
        assert len(predictions) == len(EXAMPLES[adapter_class.name])

    def test_house_prices(self, house_prices_model_dir: Path) -> None:
        """The bundled adapter honours the contract on real test.csv houses."""
        houses = load_dataset("test.csv").head(20)
        records = houses.astype(object).where(houses.notna(), None).to_dict("records")
        records = [r for r in records if r["MSZoning"] and r["KitchenQual"]]
        predictions = check_contract(
            HousePricesAdapter, model_dir=house_prices_model_dir, records=records
        )
        assert all(isinstance(p, float) and p > 10_000 for p in predictions)

    def test_house_price_band(self, bundled_model_dir: Path) -> None:
        """The bundled classifier honours the contract on real test.csv houses."""
        houses = load_band_dataset("test.csv")[list(band_config.FEATURES)].head(20)
        houses = houses.dropna(subset=["KitchenQual"])
        records = houses.astype(object).where(houses.notna(), None).to_dict("records")
        predictions = check_contract(
            HousePriceBandAdapter, model_dir=bundled_model_dir, records=records
        )
        assert len(predictions) == 20
        assert set(predictions) <= set(band_config.BANDS)


class BatchDependent(ModelAdapter):
    """Predicts each row relative to the batch mean: breaks row independence."""

    name = "batch-dependent"
    version = "1.0"
    task = "regression"
    input_schema = {"x": {"type": "float", "required": True}}  # noqa: RUF012

    def predict(self, frame: pd.DataFrame) -> pd.Series:
        """Return x minus the batch mean."""
        return frame["x"] - frame["x"].mean()


class Mutating(ModelAdapter):
    """Writes into its input frame."""

    name = "mutating"
    version = "1.0"
    task = "regression"
    input_schema = {"x": {"type": "float", "required": True}}  # noqa: RUF012

    def predict(self, frame: pd.DataFrame) -> pd.Series:
        """Double x in place and return it."""
        frame["x"] = frame["x"] * 2
        return frame["x"]


class ColumnsDisagree(ModelAdapter):
    """Answers from columns one more than from the frame."""

    name = "columns-disagree"
    version = "1.0"
    task = "regression"
    input_schema = {"x": {"type": "float", "required": True}}  # noqa: RUF012

    def predict(self, frame: pd.DataFrame) -> pd.Series:
        """Return x."""
        return frame["x"]

    def predict_columns(self, columns: Any, rows: int) -> list[float]:
        """Return x + 1: not what predict answers."""
        return [float(x) + 1 for x in columns["x"]]


class TestCheckContract:
    """The checks catch what breaks serving."""

    def test_predict_columns_must_agree_with_predict(self, tmp_path: Path) -> None:
        """predict_columns answering otherwise than predict fails the check."""
        with pytest.raises(AssertionError, match="predict_columns answers"):
            check_contract(
                ColumnsDisagree, model_dir=tmp_path, records=[{"x": 1}, {"x": 3}]
            )

    def test_records_roost_would_not_hand_as_columns(self, tmp_path: Path) -> None:
        """Records needing coercion never reach predict_columns: nothing to check."""
        found = check_contract(
            ColumnsDisagree, model_dir=tmp_path, records=[{"x": "1.5"}, {"x": 3}]
        )
        assert found == [1.5, 3.0]

    def test_batch_dependence_is_caught(self, tmp_path: Path) -> None:
        """A prediction that depends on other rows fails the check."""
        with pytest.raises(AssertionError, match="must not depend on other rows"):
            check_contract(
                BatchDependent, model_dir=tmp_path, records=[{"x": 1}, {"x": 3}]
            )

    def test_mutation_is_caught(self, tmp_path: Path) -> None:
        """An adapter changing its input frame fails the check."""
        with pytest.raises(AssertionError, match="changed the frame"):
            check_contract(Mutating, model_dir=tmp_path, records=[{"x": 1}])

    def test_invalid_examples_are_reported(self, tmp_path: Path) -> None:
        """Example records that fail the schema are named as the problem."""
        with pytest.raises(AssertionError, match="fail its schema"):
            check_contract(Mutating, model_dir=tmp_path, records=[{"x": "many"}])


class SelectiveLiar(ModelAdapter):
    """Answers probabilities differently when asked for them alone."""

    name = "selective"
    version = "1.0"
    task = "classification"
    input_schema = {"x": {"type": "float"}}  # noqa: RUF012 - contract attribute
    outputs = (Output.label("ab"), Output.probabilities("ab"))

    def predict(
        self, frame: pd.DataFrame, outputs: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        """Shift the probabilities when only they are asked for."""
        shift = 0.25 if outputs == ("probabilities",) else 0.0
        rows = len(frame)
        return {
            "predictions": ["a"] * rows,
            "probabilities": [[0.5 + shift, 0.5 - shift]] * rows,
        }


class TestMultiOutput:
    """Multi-output and 2-D answers are checked output by output."""

    def test_outputs_asked_alone_must_match(self, tmp_path: Path) -> None:
        """An output that changes when asked for alone fails, named."""
        with pytest.raises(AssertionError, match="'probabilities' differs when"):
            check_contract(SelectiveLiar, model_dir=tmp_path, records=[{"x": 1.0}])

    def test_missing_declared_output_fails(self, tmp_path: Path) -> None:
        """A declared output the adapter never returns is named."""

        class Forgetful(SelectiveLiar):
            def predict(
                self, frame: pd.DataFrame, outputs: tuple[str, ...] = ()
            ) -> dict[str, Any]:
                return {"predictions": ["a"] * len(frame)}

        with pytest.raises(AssertionError, match="declared output 'probabilities'"):
            check_contract(Forgetful, model_dir=tmp_path, records=[{"x": 1.0}])
