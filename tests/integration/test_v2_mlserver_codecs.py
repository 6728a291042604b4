"""Requests built by MLServer's own codecs against roost's V2 route on gunicorn."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from client_venvs import client_python, run_in
from server_harness import RunningServer

from roost_house_prices.dataset import load_dataset
from roost_house_prices.schema import INPUT_SCHEMA

pytestmark = pytest.mark.integration

ROWS = 20
BUILDER = Path(__file__).resolve().parents[1] / "support" / "mlserver_requests.py"
LABELS = [name for name, rules in INPUT_SCHEMA.items() if rules["type"] == "string"]
#: echo 2.0 doubles x; its one field takes an np request's one column.
ECHO_X = [1.5, -2.0, 3.25]


@pytest.fixture(scope="module")
def house_records() -> list[dict[str, Any]]:
    """20 test.csv houses as v1 records, every label present.

    MLServer's PandasCodec cannot encode a missing string (it calls isnan on
    the column's strings), so only numbers may be missing here.
    """
    frame = load_dataset("test.csv")[list(INPUT_SCHEMA)]
    required = [name for name, rules in INPUT_SCHEMA.items() if rules["required"]]
    rows = frame.dropna(subset=[*LABELS, *required]).head(ROWS)
    records = rows.astype(object).where(rows.notna(), None).to_dict(orient="records")
    return [
        {
            key: int(value) if INPUT_SCHEMA[key]["type"] == "integer" else value
            for key, value in record.items()
        }
        for record in records
    ]


@pytest.fixture(scope="module")
def codec_requests(house_records: list[dict[str, Any]]) -> dict[str, Any]:
    """The requests MLServer 1.7's codecs build, in its own venv."""
    document = {
        "records": house_records,
        "base64": LABELS,
        "extra": "Colour",
        "array": [[x] for x in ECHO_X],
    }
    built: dict[str, Any] = run_in(
        client_python("mlserver"), [str(BUILDER)], json.dumps(document)
    )
    return built


def _content_types(request: dict[str, Any]) -> set[str]:
    return {
        (item.get("parameters") or {}).get("content_type") for item in request["inputs"]
    }


class TestHousePrices:
    """Codec-built requests predict what plain v1 records predict."""

    @pytest.mark.parametrize(
        ("codec", "marks"),
        [("pd", {"str"}), ("pd_json", {"str", "pd_json"}), ("base64", {"base64"})],
    )
    def test_codec_request_predicts_as_plain(
        self,
        house_prices_server: RunningServer,
        house_records: list[dict[str, Any]],
        codec_requests: dict[str, Any],
        codec: str,
        marks: set[str],
    ) -> None:
        """The request the codec built predicts exactly v1's prices."""
        request = codec_requests[codec]
        assert request["parameters"]["content_type"] == "pd"
        assert marks <= _content_types(request)
        v1 = house_prices_server.post(
            "/v1/models/house-prices/predict", json=house_records
        )
        assert v1.status_code == 200, v1.text
        v2 = house_prices_server.post("/v2/models/house-prices/infer", json=request)
        assert v2.status_code == 200, v2.text
        (output,) = v2.json()["outputs"]
        assert output["shape"] == [ROWS]
        assert output["data"] == v1.json()["predictions"]

    def test_an_unknown_column_is_a_400(
        self, house_prices_server: RunningServer, codec_requests: dict[str, Any]
    ) -> None:
        """A frame with a column the model lacks is refused, naming the column."""
        result = house_prices_server.post(
            "/v2/models/house-prices/infer", json=codec_requests["pd_extra"]
        )
        assert result.status_code == 400
        assert "unknown input(s) 'Colour'" in result.json()["error"]


class TestNumpy:
    """An np request feeds a one-field model as a plain column does."""

    def test_np_request_predicts_as_plain(
        self, testing_server: RunningServer, codec_requests: dict[str, Any]
    ) -> None:
        """NumpyRequestCodec's [N, 1] array predicts what x as a column predicts."""
        request = codec_requests["np"]
        assert request["parameters"]["content_type"] == "np"
        plain = {
            "inputs": [{"name": "x", "datatype": "FP64", "shape": [3], "data": ECHO_X}]
        }
        expected = testing_server.post("/v2/models/echo/infer", json=plain)
        result = testing_server.post("/v2/models/echo/infer", json=request)
        assert result.status_code == 200, result.text
        assert result.json()["outputs"] == expected.json()["outputs"]
        assert result.json()["outputs"][0]["data"] == [2 * x for x in ECHO_X]
