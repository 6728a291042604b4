"""The bundled house-prices adapter behind real gunicorn: the original API's tests."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from server_harness import RunningServer

from roost_house_prices.dataset import load_dataset

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def test_records() -> list[dict[str, Any]]:
    """All 1459 houses of test.csv as JSON records, as the original tests sent."""
    return json.loads(load_dataset("test.csv").to_json(orient="records"))


class TestRegressionRoute:
    """`POST /v1/predict/regression` keeps the original API's contract."""

    def test_first_house_prediction(
        self, house_prices_server: RunningServer, test_records: list[dict[str, Any]]
    ) -> None:
        """The first test.csv house (Id 1461) predicts ceil == 112476."""
        response = house_prices_server.post(
            "/v1/predict/regression", json=test_records[:1]
        )
        assert response.status_code == 200
        body = response.json()
        assert math.ceil(body["predictions"][0]) == 112476
        assert body["errors"] is None
        assert body["version"] == "1.0.0"
        assert body["model"] == "house-prices"
        assert response.headers["X-Model-Name"] == "house-prices"
        assert response.headers["X-Model-Version"] == "1.0.0"

    def test_whole_test_file(
        self, house_prices_server: RunningServer, test_records: list[dict[str, Any]]
    ) -> None:
        """All 1459 houses: 1451 predictions, the 8 unusable rows listed as errors."""
        response = house_prices_server.post("/v1/predict/regression", json=test_records)
        assert response.status_code == 200
        body = response.json()
        assert len(body["predictions"]) == 1451
        assert len(body["predictions"]) + len(body["errors"]) == len(test_records)
        for fields in body["errors"].values():
            assert any(
                "null value not allowed" in r for rs in fields.values() for r in rs
            )


class TestModelRoutes:
    """The v1 model routes agree with the regression route and validate strictly."""

    def test_v1_and_regression_route_agree(
        self, house_prices_server: RunningServer, test_records: list[dict[str, Any]]
    ) -> None:
        """partial=true predictions equal the regression route's for every valid row."""
        compat = house_prices_server.post(
            "/v1/predict/regression", json=test_records
        ).json()
        v1 = house_prices_server.post(
            "/v1/models/house-prices/predict?partial=true",
            json={"inputs": test_records},
        ).json()
        aligned = [p for p in v1["predictions"] if p is not None]
        assert aligned == compat["predictions"]
        assert v1["errors"] == compat["errors"]

    def test_any_invalid_row_is_a_422(
        self, house_prices_server: RunningServer, test_records: list[dict[str, Any]]
    ) -> None:
        """Without partial, the 8 unusable rows fail the whole batch by index."""
        response = house_prices_server.post(
            "/v1/models/house-prices/predict", json=test_records
        )
        assert response.status_code == 422
        assert len(response.json()["errors"]) == 8

    def test_typo_names_field_and_allowed_values(
        self, house_prices_server: RunningServer, test_records: list[dict[str, Any]]
    ) -> None:
        """A misspelt category is a 422 naming the field and what is allowed."""
        record = {**test_records[0], "MSZoning": "RX", "GrLivArea": 0}
        response = house_prices_server.post(
            "/v1/models/house-prices/versions/1.0.0/predict", json=[record]
        )
        assert response.status_code == 422
        errors = response.json()["errors"]["0"]
        assert "'RL'" in errors["MSZoning"][0] and "'RX'" in errors["MSZoning"][0]
        assert errors["GrLivArea"] == ["min value is 1"]

    def test_strings_for_numbers_are_coerced(
        self, house_prices_server: RunningServer, test_records: list[dict[str, Any]]
    ) -> None:
        """Numbers sent as strings give the same prediction as numbers."""
        record = test_records[0]
        as_text = {
            key: str(value) if isinstance(value, int | float) else value
            for key, value in record.items()
        }
        plain = house_prices_server.post(
            "/v1/models/house-prices/predict", json=[record]
        )
        texts = house_prices_server.post(
            "/v1/models/house-prices/predict", json=[as_text]
        )
        assert texts.status_code == 200, texts.text
        assert texts.json()["predictions"] == plain.json()["predictions"]

    def test_metadata_and_version(self, house_prices_server: RunningServer) -> None:
        """/version and the model metadata report the served artifact."""
        version = house_prices_server.get("/version").json()
        assert version["model_version"] == "1.0.0"
        assert version["models"]["house-prices"] == ["1.0.0"]
        meta = house_prices_server.get("/v1/models/house-prices").json()
        assert meta["ready"] is True
        assert meta["task"] == "regression"
        assert len(meta["input_schema"]) == 24
