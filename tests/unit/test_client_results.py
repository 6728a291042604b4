"""roost.client.results and catalog: answers read into typed objects."""

from __future__ import annotations

import pandas as pd
import pytest

from roost.client.catalog import ModelMetadata, ModelSummary, VersionState
from roost.client.errors import UnexpectedAnswerError
from roost.client.results import Prediction


class TestPrediction:
    """A v1 predict body, aligned with the rows sent."""

    def test_headers_name_the_model_before_the_body(self) -> None:
        """X-Model-Name/-Version win; the body's fields are the fallback."""
        body = {"model": "m", "version": "1", "predictions": [1.0]}
        assert Prediction.from_answer(body, model="n", version="2").version == "2"
        fallback = Prediction.from_answer(body, model=None, version=None)
        assert (fallback.model, fallback.version) == ("m", "1")

    def test_partial_errors_are_keyed_by_position(self) -> None:
        """A partial answer's errors read as record position -> field -> reasons."""
        body = {"predictions": [1.0, None], "errors": {"1": {"x": ["bad"]}}}
        result = Prediction.from_answer(body, model="m", version="1")
        assert result.errors == {1: {"x": ["bad"]}}
        assert len(result) == 2
        assert result.probabilities is None

    def test_frame_from_records_has_a_range_index(self) -> None:
        """Without a sent frame the index counts the records."""
        frame = Prediction("m", "1", [1.0, None]).to_frame()
        assert frame.index.tolist() == [0, 1]
        assert frame.columns.tolist() == ["prediction"]
        assert pd.isna(frame.loc[1, "prediction"])

    def test_probabilities_of_an_invalid_row_are_missing(self) -> None:
        """A row without probabilities leaves its class columns missing."""
        result = Prediction(
            "m",
            "1",
            ["a", None],
            probabilities=[{"a": 0.9, "b": 0.1}, None],
            index=pd.Index(["r1", "r2"]),
        )
        frame = result.to_frame()
        assert frame.columns.tolist() == [
            "prediction",
            "probability_a",
            "probability_b",
        ]
        assert frame.loc["r1", "probability_b"] == 0.1
        assert pd.isna(frame.loc["r2", "probability_a"])


class TestCatalog:
    """Model list entries and metadata bodies."""

    def test_summary_keeps_the_raw_body(self) -> None:
        """Fields the client predates stay readable in `raw`."""
        body = {
            "name": "echo",
            "version": "2.0",
            "versions": ["2.0", "1.0"],
            "task": "regression",
            "ready": True,
            "outputs": ["predictions"],
        }
        summary = ModelSummary.from_json(body)
        assert summary == ModelSummary(
            "echo", "2.0", ("2.0", "1.0"), "regression", True
        )
        assert summary.raw["outputs"] == ["predictions"]

    def test_metadata_reads_schema_and_version_states(self) -> None:
        """A broken version's state says why it is not ready."""
        body = {
            "name": "m",
            "version": None,
            "versions": [],
            "task": None,
            "ready": False,
            "error": "import failed",
            "description": "",
            "input_schema": None,
            "version_states": [{"version": None, "ready": False, "error": "boom"}],
        }
        metadata = ModelMetadata.from_json(body)
        assert metadata.error == "import failed"
        assert metadata.version_states == (VersionState(None, False, "boom"),)

    def test_an_entry_without_a_name_is_refused(self) -> None:
        """The one field the client cannot do without is the name."""
        with pytest.raises(UnexpectedAnswerError, match="without a name"):
            ModelSummary.from_json({"version": "1"})
