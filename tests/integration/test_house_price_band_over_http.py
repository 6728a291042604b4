"""The bundled house-price-band classifier behind real gunicorn, v1 and V2."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import tritonclient.http as httpclient
from server_harness import RunningServer, run_server

from roost.client import Client
from roost.core import PREDICTIONS, PROBABILITIES, AdapterContext
from roost_house_price_band import config
from roost_house_price_band.adapter import HousePriceBandAdapter
from roost_house_price_band.dataset import load_dataset
from roost_house_prices.dataset import load_dataset as load_houses

pytestmark = pytest.mark.integration

NAME = "house-price-band"
PREDICT = f"/v1/models/{NAME}/predict"
#: Houses sent per request.
ROWS = 20


@pytest.fixture(scope="module")
def band_server(
    tmp_path_factory: pytest.TempPathFactory, bundled_model_dir: Path
) -> Iterator[RunningServer]:
    """A gunicorn server serving the installed adapters, every bundled one trained."""
    with run_server(
        tmp_path_factory.mktemp("band-server"), ROOST_MODEL_DIR=bundled_model_dir
    ) as server:
        yield server


@pytest.fixture(scope="module")
def houses() -> pd.DataFrame:
    """The first 20 test.csv houses with every input present."""
    inputs = load_dataset("test.csv")[list(config.FEATURES)]
    return inputs.dropna().head(ROWS).reset_index(drop=True)


@pytest.fixture(scope="module")
def records(houses: pd.DataFrame) -> list[dict[str, Any]]:
    """The houses as JSON records, as a client sends them."""
    return list(json.loads(houses.to_json(orient="records")))


@pytest.fixture(scope="module")
def expected(houses: pd.DataFrame, bundled_model_dir: Path) -> dict[str, Any]:
    """What the adapter itself answers for the houses, from the served artifact."""
    context = AdapterContext(NAME, HousePriceBandAdapter.version, bundled_model_dir)
    adapter = HousePriceBandAdapter(context)
    adapter.load()
    return adapter.predict(houses)


class TestV1:
    """`POST /v1/models/house-price-band/predict` answers bands and probabilities."""

    def test_labels_and_probability_objects(
        self,
        band_server: RunningServer,
        records: list[dict[str, Any]],
        expected: dict[str, Any],
    ) -> None:
        """Each house gets its band and one probability per band, keyed by band."""
        response = band_server.post(PREDICT, json=records)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["model"] == NAME
        assert body["version"] == "1.0.0"
        assert body[PREDICTIONS] == expected[PREDICTIONS].tolist()
        assert set(body[PREDICTIONS]) <= set(config.BANDS)
        rows = body[PROBABILITIES]
        assert len(rows) == ROWS
        for row, band, probabilities in zip(
            rows, body[PREDICTIONS], expected[PROBABILITIES], strict=True
        ):
            assert list(row) == list(config.BANDS)
            assert list(row.values()) == pytest.approx(
                probabilities.tolist(), abs=1e-12
            )
            assert sum(row.values()) == pytest.approx(1.0)
            assert max(row, key=row.__getitem__) == band

    @pytest.mark.parametrize("output", [PREDICTIONS, PROBABILITIES])
    def test_one_output_alone(
        self,
        band_server: RunningServer,
        records: list[dict[str, Any]],
        output: str,
    ) -> None:
        """`?outputs=` names one output: the answer holds it alone, unchanged."""
        both = band_server.post(PREDICT, json=records).json()
        response = band_server.post(f"{PREDICT}?outputs={output}", json=records)
        assert response.status_code == 200, response.text
        body = response.json()
        assert {PREDICTIONS, PROBABILITIES} & set(body) == {output}
        assert body[output] == both[output]

    def test_unknown_category_is_a_422_naming_the_field(
        self, band_server: RunningServer, records: list[dict[str, Any]]
    ) -> None:
        """A neighbourhood the model never saw is refused by name, nothing predicted."""
        response = band_server.post(
            PREDICT, json=[records[0], {**records[1], "Neighborhood": "Downtown"}]
        )
        assert response.status_code == 422
        body = response.json()
        assert set(body["errors"]) == {"1"}
        (reason,) = body["errors"]["1"]["Neighborhood"]
        assert "'Downtown'" in reason
        assert "'NAmes'" in reason
        assert PREDICTIONS not in body

    def test_optional_inputs_may_be_left_out(
        self, band_server: RunningServer, records: list[dict[str, Any]]
    ) -> None:
        """A house without its optional inputs (no garage, say) still gets a band."""
        house = {
            key: value
            for key, value in records[0].items()
            if key not in config.NULLABLE_VARS
        }
        response = band_server.post(
            PREDICT, json=[house, {**house, "GarageCars": None}]
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body[PREDICTIONS][0] in config.BANDS
        assert body[PREDICTIONS][0] == body[PREDICTIONS][1]
        assert body[PROBABILITIES][0] == body[PROBABILITIES][1]

    def test_listed_as_a_ready_classifier(self, band_server: RunningServer) -> None:
        """/v1/models lists both bundled models, house-price-band a classifier."""
        models = {
            model["name"]: model
            for model in band_server.get("/v1/models").json()["models"]
        }
        assert {"house-prices", NAME} <= set(models)
        assert models[NAME]["task"] == "classification"
        assert models[NAME]["ready"] is True
        assert band_server.get("/health/ready").status_code == 200

    def test_regression_route_keeps_house_prices(
        self, band_server: RunningServer
    ) -> None:
        """The regression route still serves house-prices, never the classifier."""
        house = json.loads(load_houses("test.csv").head(1).to_json(orient="records"))
        response = band_server.post("/v1/predict/regression", json=house)
        assert response.status_code == 200, response.text
        assert response.headers["X-Model-Name"] == "house-prices"
        assert band_server.get("/version").json()["model"] == "house-prices"


class TestClientOutputs:
    """roost-client's `outputs=` against the band classifier."""

    def test_probabilities_alone_equal_the_adapter(
        self,
        band_server: RunningServer,
        houses: pd.DataFrame,
        expected: dict[str, Any],
    ) -> None:
        """outputs="probabilities": one column per band, the adapter's figures."""
        frame = houses.set_axis(range(100, 100 + len(houses)))
        with Client(band_server.base_url) as roost:
            result = roost.predict(NAME, frame, outputs="probabilities")
        assert result.predictions is None
        predicted = result.to_frame()
        assert predicted.columns.tolist() == [
            f"probability_{band}" for band in config.BANDS
        ]
        assert predicted.index.tolist() == frame.index.tolist()
        np.testing.assert_allclose(
            predicted.to_numpy(), expected[PROBABILITIES], rtol=0, atol=1e-12
        )

    def test_labels_alone_equal_the_adapter(
        self,
        band_server: RunningServer,
        houses: pd.DataFrame,
        expected: dict[str, Any],
    ) -> None:
        """outputs=["predictions"]: the adapter's bands, no probabilities."""
        with Client(band_server.base_url) as roost:
            result = roost.predict(NAME, houses, outputs=[PREDICTIONS])
        assert result.probabilities is None
        assert result.predictions == expected[PREDICTIONS].tolist()


class TestV2:
    """tritonclient gets the same bands and probabilities as v1."""

    @pytest.mark.parametrize("binary", [True, False])
    def test_v2_equals_the_adapter(
        self,
        band_server: RunningServer,
        houses: pd.DataFrame,
        expected: dict[str, Any],
        binary: bool,
    ) -> None:
        """A label per house (BYTES) and a rows x bands probability tensor (FP64)."""
        client = httpclient.InferenceServerClient(url=f"127.0.0.1:{band_server.port}")
        try:
            metadata = client.get_model_metadata(NAME)
            inputs = []
            for spec in metadata["inputs"]:
                column = houses[spec["name"]]
                values = (
                    column.astype(str).to_numpy(dtype=np.object_)
                    if spec["datatype"] == "BYTES"
                    else column.to_numpy(
                        dtype=np.int64 if spec["datatype"] == "INT64" else np.float64
                    )
                )
                tensor = httpclient.InferInput(spec["name"], [ROWS], spec["datatype"])
                tensor.set_data_from_numpy(values, binary_data=binary)
                inputs.append(tensor)
            result = client.infer(NAME, inputs)
        finally:
            client.close()
        labels = [label.decode() for label in result.as_numpy(PREDICTIONS).tolist()]
        assert labels == expected[PREDICTIONS].tolist()
        probabilities = result.as_numpy(PROBABILITIES)
        assert probabilities.shape == (ROWS, len(config.BANDS))
        np.testing.assert_allclose(probabilities, expected[PROBABILITIES], atol=1e-12)
