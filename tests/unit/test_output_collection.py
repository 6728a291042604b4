"""Reading an adapter's answer as it declared it: every output, checked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import falcon.testing
import numpy as np
import pandas as pd
import pytest

from roost.core import ModelAdapter, Output
from roost.core.contract.adapter import AdapterContext
from roost.core.errors import PredictionError
from roost.core.serving.outputs import collect_outputs, predict_outputs

LABELS = ("cheap", "dear")
CLASSIFIER = (Output.label(LABELS), Output.probabilities(LABELS))


class TestCollectOutputs:
    """Every accepted form of an answer, and every mismatch refused."""

    def test_single_output_from_an_array(self) -> None:
        """One declared output: any 1-D sequence; NaN becomes None."""
        columns = collect_outputs(
            np.array([1.0, np.nan]), (Output.number(),), 2, (Output.number(),)
        )
        assert columns == {"predictions": [1.0, None]}

    def test_mapping_of_outputs(self) -> None:
        """Several outputs: a mapping by name, 2-D rows as lists."""
        answer = {
            "predictions": pd.Series(["dear", "cheap"]),
            "probabilities": np.array([[0.4, 0.6], [0.7, 0.3]]),
        }
        assert collect_outputs(answer, CLASSIFIER, 2, CLASSIFIER) == {
            "predictions": ["dear", "cheap"],
            "probabilities": [[0.4, 0.6], [0.7, 0.3]],
        }

    def test_one_column_frame_is_the_one_output(self) -> None:
        """A one-column DataFrame answers a one-output model, whatever its name."""
        answer = pd.DataFrame({"SalePrice": [1.0, 2.0]})
        declared = (Output.number(),)
        assert collect_outputs(answer, declared, 2, declared) == {
            "predictions": [1.0, 2.0]
        }

    def test_numpy_labels_become_python_values(self) -> None:
        """Integer classes from numpy come out as plain ints."""
        declared = (Output.label([0, 1]),)
        columns = collect_outputs(np.array([1, 0]), declared, 2, declared)
        assert columns == {"predictions": [1, 0]}
        assert type(columns["predictions"][0]) is int

    def test_only_wanted_outputs_are_returned(self) -> None:
        """Outputs not asked for are dropped even when computed."""
        answer = {"predictions": ["dear"], "probabilities": [[0.1, 0.9]]}
        columns = collect_outputs(answer, CLASSIFIER, 1, CLASSIFIER[:1])
        assert columns == {"predictions": ["dear"]}

    @pytest.mark.parametrize(
        ("answer", "message"),
        [
            ({"predictions": ["dear"]}, "did not return its declared output"),
            (
                {"predictions": ["dear", "cheap"], "probabilities": [[0.1, 0.9]] * 2},
                "2 values of 'predictions' for 1 rows",
            ),
            (
                {"predictions": ["dear"], "probabilities": [[0.1, 0.8, 0.1]]},
                "must have 2 columns per row",
            ),
            (
                {"predictions": ["pricey"], "probabilities": [[0.1, 0.9]]},
                "label 'pricey', not one of its declared labels",
            ),
            (
                {"predictions": [["dear"]], "probabilities": [[0.1, 0.9]]},
                "one value per row",
            ),
        ],
    )
    def test_mismatches_are_refused(self, answer: Any, message: str) -> None:
        """An answer that contradicts the declaration is an error, named."""
        with pytest.raises(ValueError, match=message):
            collect_outputs(answer, CLASSIFIER, 1, CLASSIFIER)


class _Liar(ModelAdapter):
    name = "liar"
    version = "1"
    task = "classification"
    input_schema = {"x": {"type": "float"}}  # noqa: RUF012 - contract attribute
    outputs = CLASSIFIER

    def predict(self, frame: pd.DataFrame) -> Any:
        """Return labels only, though probabilities are declared."""
        return ["dear"] * len(frame)


def test_an_answer_against_its_declaration_is_a_prediction_error() -> None:
    """The host reports the broken promise as the adapter's failure (500)."""
    adapter = _Liar(AdapterContext("liar", "1", model_dir=Path()))
    with pytest.raises(PredictionError, match="declared output 'probabilities'"):
        predict_outputs(adapter, pd.DataFrame({"x": [1.0]}), "liar", "1")


class TestV1Outputs:
    """`?outputs=` on the v1 predict route."""

    def test_classifier_answer_has_labels_and_probabilities(
        self, client: falcon.testing.TestClient
    ) -> None:
        """By default every declared output is a key of the answer."""
        result = client.simulate_post("/v1/models/parity/predict", json=[{"n": 3}])
        assert result.status_code == 200
        assert result.json["predictions"] == ["odd"]
        assert result.json["probabilities"] == [{"even": 0.0, "odd": 1.0}]

    def test_outputs_selects(self, client: falcon.testing.TestClient) -> None:
        """Naming one output leaves the others out of the answer."""
        result = client.simulate_post(
            "/v1/models/parity/predict",
            json=[{"n": 2}],
            params={"outputs": "probabilities"},
        )
        assert result.status_code == 200
        assert "predictions" not in result.json
        assert result.json["probabilities"] == [{"even": 1.0, "odd": 0.0}]

    @pytest.mark.parametrize(
        "query",
        [
            "outputs=predictions,probabilities",
            "outputs=predictions&outputs=probabilities",
            "outputs=probabilities,%20predictions",
        ],
    )
    def test_several_outputs(
        self, client: falcon.testing.TestClient, query: str
    ) -> None:
        """Several outputs, comma-separated as documented or repeated, are all kept."""
        result = client.simulate_post(
            "/v1/models/parity/predict", json=[{"n": 3}], query_string=query
        )
        assert result.status_code == 200, result.text
        assert result.json["predictions"] == ["odd"]
        assert result.json["probabilities"] == [{"even": 0.0, "odd": 1.0}]

    def test_unknown_output_is_a_400(self, client: falcon.testing.TestClient) -> None:
        """An output the model does not declare is named in a 400."""
        result = client.simulate_post(
            "/v1/models/parity/predict", json=[{"n": 2}], params={"outputs": "scores"}
        )
        assert result.status_code == 400
        assert "output 'scores'" in result.json["error"]
        assert "'predictions', 'probabilities'" in result.json["error"]

    @pytest.mark.parametrize(
        "query",
        ["outputs=predictions,predictions", "outputs=predictions&outputs=predictions"],
    )
    def test_an_output_named_twice_is_a_400(
        self, client: falcon.testing.TestClient, query: str
    ) -> None:
        """The OpenAPI parameter's items are unique; a repeat is refused by name."""
        result = client.simulate_post(
            "/v1/models/parity/predict", json=[{"n": 2}], query_string=query
        )
        assert result.status_code == 400
        assert "'predictions' is asked for more than once" in result.json["error"]
