"""Tests of roost_sklearn.runtime: a packaged classifier, served as its card says."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import skops.io
from served_roads import assert_labels_agree
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import Ridge
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC
from sklearn_models import FEATURES, price_band, unpacked

from roost.core import AdapterContext, AdapterError, Output
from roost.core.contract.adapter import check_adapter_class
from roost.core.serving.validation import RecordValidator
from roost.core.testing import check_contract
from roost_sklearn.engines import ArtifactMismatchError, SklearnEngine, open_engine
from roost_sklearn.packaging import PackageRequest, package_model


def served_frame(adapter_class: type[Any], rows: pd.DataFrame) -> pd.DataFrame:
    """Validate rows as roost does for a request; return the frame it predicts."""
    records = rows.astype(object).where(rows.notna(), None).to_dict("records")
    batch = RecordValidator(adapter_class.input_schema).validate(records)
    assert not batch.problems
    return batch.frame


@pytest.fixture(scope="module")
def adapter(
    band_adapter_class: type[Any], tmp_path_factory: pytest.TempPathFactory
) -> Any:
    """The packaged classifier, loaded (twice, as the host may)."""
    context = AdapterContext("band", "1.0.0", tmp_path_factory.mktemp("models"))
    loaded = band_adapter_class(context)
    loaded.load()
    loaded.load()
    return loaded


class TestClassAttributes:
    """The adapter's identity comes from the card beside its module."""

    def test_contract(
        self, band_adapter_class: type[Any], band_model: Pipeline
    ) -> None:
        """The class passes roost's contract check with the card's identity."""
        assert check_adapter_class(band_adapter_class) is band_adapter_class
        assert band_adapter_class.name == "band"
        assert band_adapter_class.version == "1.0.0"
        assert band_adapter_class.task == "classification"
        assert band_adapter_class.description == (
            "Classification by a scikit-learn Pipeline ending in LogisticRegression, "
            "packaged by roost package."
        )
        labels = tuple(band_model.classes_.tolist())
        outputs = band_adapter_class.declared_outputs()
        assert [o.name for o in outputs] == ["predictions", "probabilities"]
        assert outputs[0].labels == labels
        assert outputs[1].labels == labels
        assert outputs[1].width == len(labels)

    def test_schema(self, band_adapter_class: type[Any]) -> None:
        """Strings with missing values are optional; few categories are listed."""
        schema = band_adapter_class.input_schema
        assert schema["BsmtQual"]["nullable"] is True
        assert schema["BsmtQual"]["required"] is False
        assert schema["MSZoning"]["allowed"] == ["C (all)", "FV", "RL", "RM"]
        # 24 > 20 values in the data: the strict encoder's categories instead
        assert len(schema["Neighborhood"]["allowed"]) == 24
        assert schema["GrLivArea"] == {
            "type": "float",
            "required": True,
            "nullable": False,
        }


class TestPredict:
    """Answers equal the estimator's own, missing values included."""

    def test_labels_and_probabilities_equal_the_estimator(
        self, adapter: Any, band_model: Pipeline, held_out: pd.DataFrame
    ) -> None:
        """Held-out rows (some with missing values) get the estimator's answers."""
        rows = held_out[FEATURES]
        assert rows.isna().any(axis=1).sum() > 10
        answers = adapter.predict(served_frame(type(adapter), rows))
        assert answers["predictions"].tolist() == band_model.predict(rows).tolist()
        np.testing.assert_allclose(
            answers["probabilities"], band_model.predict_proba(rows), rtol=0, atol=1e-12
        )

    def test_columns_answer_as_the_frame(
        self, adapter: Any, held_out: pd.DataFrame
    ) -> None:
        """25 held-out rows with gaps: the same labels and probabilities, bitwise."""
        assert_labels_agree(adapter, held_out[FEATURES].head(25))

    def test_only_requested_outputs(
        self, adapter: Any, band_model: Pipeline, held_out: pd.DataFrame
    ) -> None:
        """Asked for labels only, it returns labels only, still the estimator's."""
        rows = held_out[FEATURES]
        answers = adapter.predict(
            served_frame(type(adapter), rows), outputs=("predictions",)
        )
        assert set(answers) == {"predictions"}
        assert answers["predictions"].tolist() == band_model.predict(rows).tolist()

    def test_unknown_category_is_refused(
        self, adapter: Any, held_out: pd.DataFrame
    ) -> None:
        """A category the encoder never saw, past the schema, is an AdapterError."""
        frame = served_frame(type(adapter), held_out[FEATURES].head(1))
        frame.loc[0, "Neighborhood"] = "Atlantis"
        with pytest.raises(AdapterError, match="refused the input"):
            adapter.predict(frame)

    def test_reference_rows(self, adapter: Any) -> None:
        """The packaged reference rows are inputs the schema accepts."""
        reference = adapter.reference_data()
        assert list(reference.columns) == FEATURES
        served_frame(type(adapter), reference)


class TestArtifact:
    """The artifact loads only when its bytes are the ones the card names."""

    def test_altered_artifact_is_refused(self, band_adapter_class: type[Any]) -> None:
        """One changed byte and open_engine refuses before skops reads it."""
        card = band_adapter_class.card
        folder = Path(__import__(band_adapter_class.__module__).__file__).parent
        artifact = bytearray((folder / card.artifact).read_bytes())
        artifact[-1] ^= 1
        with pytest.raises(ArtifactMismatchError, match="refusing to load"):
            open_engine(card, lambda name: bytes(artifact))

    def test_unknown_engine_is_refused(self, band_adapter_class: type[Any]) -> None:
        """A card naming an engine this runtime lacks says which it has."""
        card = dataclasses.replace(band_adapter_class.card, engine="gpu")
        folder = Path(__import__(band_adapter_class.__module__).__file__).parent
        with pytest.raises(ValueError, match="needs engine 'gpu'"):
            open_engine(card, lambda name: (folder / name).read_bytes())


class TestLabelsFromProbabilities:
    """Labels are read off probabilities only where predict does exactly that."""

    def test_forest_labels_are_argmax(self, fitted: pd.DataFrame) -> None:
        """For a random forest, argmax of probabilities is its predict."""
        numbers = fitted[["GrLivArea", "OverallQual"]]
        forest = RandomForestClassifier(n_estimators=5, random_state=0)
        forest.fit(numbers, price_band(fitted["SalePrice"]))
        engine = SklearnEngine(forest)
        labels = engine.labels_from(engine.predict_proba(numbers))
        assert labels is not None
        assert labels.tolist() == forest.predict(numbers).tolist()

    def test_logistic_regression_labels_come_from_predict(
        self, band_model: Pipeline
    ) -> None:
        """A logistic regression decides on scores: no labels from probabilities."""
        engine = SklearnEngine(band_model)
        assert engine.labels_from(np.array([[0.5, 0.5, 0.0]])) is None


class TestContract:
    """Packaged models pass roost's contract checks, as adapter authors run them."""

    def test_regressor(
        self,
        price_adapter_class: type[Any],
        price_model: Pipeline,
        held_out: pd.DataFrame,
        tmp_path: Path,
    ) -> None:
        """The regressor honours the contract and predicts as its estimator."""
        rows = held_out[FEATURES].head(20)
        records = rows.astype(object).where(rows.notna(), None).to_dict("records")
        predictions = check_contract(
            price_adapter_class, model_dir=tmp_path, records=records
        )
        np.testing.assert_allclose(predictions, price_model.predict(rows), rtol=1e-12)
        assert price_adapter_class.declared_outputs() == (Output.number(),)

    def test_classifier(
        self, band_adapter_class: type[Any], held_out: pd.DataFrame, tmp_path: Path
    ) -> None:
        """The classifier, with labels and probabilities, honours the contract."""
        rows = held_out[FEATURES].head(20)
        records = rows.astype(object).where(rows.notna(), None).to_dict("records")
        check_contract(band_adapter_class, model_dir=tmp_path, records=records)


class TestOtherEstimators:
    """Estimators without names or probabilities are served as they predict."""

    def package(self, folder: Path, model: Any, data: pd.DataFrame, name: str) -> Path:
        """Save `model` with skops and package it with `data`; return the wheel."""
        skops.io.dump(model, folder / f"{name}.skops")
        data.to_csv(folder / "data.csv", index=False)
        return package_model(
            PackageRequest(
                model=folder / f"{name}.skops",
                data=folder / "data.csv",
                name=name,
                version="1",
                output=folder / "dist",
            )
        )

    def test_fitted_on_an_array(self, fitted: pd.DataFrame, tmp_path: Path) -> None:
        """A model fitted without column names gets the data's columns, in order."""
        numbers = fitted[["GrLivArea", "OverallQual"]]
        model = Ridge().fit(numbers.to_numpy(), fitted["SalePrice"])
        wheel = self.package(tmp_path, model, numbers, "plain")
        with unpacked(wheel, "roost_model_plain_v1") as adapter_class:
            assert adapter_class.card.named_features is False
            adapter = adapter_class(AdapterContext("plain", "1", tmp_path))
            adapter.load()
            got = adapter.predict(served_frame(adapter_class, numbers))
        np.testing.assert_allclose(got, model.predict(numbers.to_numpy()), rtol=1e-12)

    def test_classifier_without_probabilities(
        self, fitted: pd.DataFrame, tmp_path: Path
    ) -> None:
        """A classifier without predict_proba declares and returns labels only."""
        numbers = fitted[["GrLivArea", "OverallQual"]]
        model = LinearSVC().fit(numbers, price_band(fitted["SalePrice"]))
        wheel = self.package(tmp_path, model, numbers, "svc")
        with unpacked(wheel, "roost_model_svc_v1") as adapter_class:
            outputs = adapter_class.declared_outputs()
            assert [output.name for output in outputs] == ["predictions"]
            adapter = adapter_class(AdapterContext("svc", "1", tmp_path))
            adapter.load()
            got = adapter.predict(served_frame(adapter_class, numbers))
        assert list(got) == model.predict(numbers).tolist()
