"""tritonclient's HTTP client against roost's V2 routes on real gunicorn."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest
import tritonclient.http as httpclient
from server_harness import RunningServer
from tritonclient.utils import InferenceServerException

from roost_house_prices.dataset import load_dataset
from roost_house_prices.schema import INPUT_SCHEMA

pytestmark = pytest.mark.integration

ROWS = 20


def _client(server: RunningServer) -> Iterator[httpclient.InferenceServerClient]:
    client = httpclient.InferenceServerClient(url=f"127.0.0.1:{server.port}")
    try:
        yield client
    finally:
        client.close()


@pytest.fixture(scope="module")
def triton(
    testing_server: RunningServer,
) -> Iterator[httpclient.InferenceServerClient]:
    """A tritonclient HTTP client of the test adapters' server."""
    yield from _client(testing_server)


@pytest.fixture(scope="module")
def prices_triton(
    house_prices_server: RunningServer,
) -> Iterator[httpclient.InferenceServerClient]:
    """A tritonclient HTTP client of the house-prices server."""
    yield from _client(house_prices_server)


def _input(
    name: str, datatype: str, values: np.ndarray, *, binary: bool
) -> httpclient.InferInput:
    tensor = httpclient.InferInput(name, list(values.shape), datatype)
    tensor.set_data_from_numpy(values, binary_data=binary)
    return tensor


def _echo_inputs(*, binary: bool) -> list[httpclient.InferInput]:
    return [
        _input("x", "FP64", np.array([1.5, -2.0, 3.25]), binary=binary),
        _input(
            "label",
            "BYTES",
            np.array([b"a", b"", b"b"], dtype=np.object_),
            binary=binary,
        ),
        _input("count", "INT64", np.array([1, 2, 3], dtype=np.int64), binary=binary),
    ]


class TestServerApi:
    """Health and metadata calls as tritonclient makes them."""

    def test_live_and_ready(
        self,
        triton: httpclient.InferenceServerClient,
        prices_triton: httpclient.InferenceServerClient,
    ) -> None:
        """Both servers are live; only the one without broken adapters is ready."""
        assert triton.is_server_live()
        assert not triton.is_server_ready()
        assert prices_triton.is_server_live()
        assert prices_triton.is_server_ready()

    def test_server_metadata(self, triton: httpclient.InferenceServerClient) -> None:
        """Server metadata names roost and the binary tensor data extension."""
        metadata = triton.get_server_metadata()
        assert metadata["name"] == "roost"
        assert "binary_tensor_data" in metadata["extensions"]

    def test_model_metadata_and_readiness(
        self, triton: httpclient.InferenceServerClient
    ) -> None:
        """Pinned metadata lists echo 1.0's inputs; readiness follows load()."""
        metadata = triton.get_model_metadata("echo", model_version="1.0")
        assert [i["name"] for i in metadata["inputs"]] == ["x", "label", "count"]
        assert triton.is_model_ready("echo", model_version="1.0")
        assert not triton.is_model_ready("fails-load")

    def test_unknown_model(self, triton: httpclient.InferenceServerClient) -> None:
        """An unknown model raises InferenceServerException with roost's message."""
        with pytest.raises(InferenceServerException) as caught:
            triton.get_model_metadata("no-such-model")
        assert caught.value.status() == "404"
        assert "no model named 'no-such-model'" in caught.value.message()


class TestInfer:
    """Inference through tritonclient: JSON and binary tensors."""

    @pytest.mark.parametrize("binary", [False, True])
    def test_default_outputs(
        self, triton: httpclient.InferenceServerClient, binary: bool
    ) -> None:
        """JSON or binary inputs, default (binary) output: echo 1.0 returns x."""
        result = triton.infer(
            "echo", _echo_inputs(binary=binary), model_version="1.0", request_id="r1"
        )
        assert result.as_numpy("predictions").tolist() == [1.5, -2.0, 3.25]
        assert result.get_response()["id"] == "r1"
        assert result.get_response()["model_version"] == "1.0"

    @pytest.mark.parametrize("binary_output", [False, True])
    def test_requested_output(
        self, triton: httpclient.InferenceServerClient, binary_output: bool
    ) -> None:
        """A requested output comes back as JSON or raw bytes, as asked."""
        output = httpclient.InferRequestedOutput(
            "predictions", binary_data=binary_output
        )
        result = triton.infer(
            "echo", _echo_inputs(binary=True), model_version="1.0", outputs=[output]
        )
        # echo 1.0 answers x as sent (2.0, the default, takes no label or count).
        assert result.as_numpy("predictions").tolist() == [1.5, -2.0, 3.25]
        response = result.get_response()["outputs"][0]
        assert ("data" in response) is not binary_output

    def test_classifier_outputs(self, triton: httpclient.InferenceServerClient) -> None:
        """Labels and the [N, classes] probabilities read as numpy arrays."""
        n = _input("n", "INT32", np.array([3, 4], dtype=np.int32), binary=True)
        result = triton.infer("parity", [n])
        assert result.as_numpy("predictions").tolist() == [b"odd", b"even"]
        assert result.as_numpy("probabilities").tolist() == [[0.0, 1.0], [1.0, 0.0]]

    def test_nan_marks_a_missing_value(
        self, triton: httpclient.InferenceServerClient
    ) -> None:
        """NaN in a JSON FP64 tensor (tritonclient writes NaN) leaves count out."""
        inputs = [
            _input("x", "FP64", np.array([1.0, 2.0]), binary=False),
            _input("count", "FP64", np.array([np.nan, 4.0]), binary=False),
        ]
        result = triton.infer("echo", inputs, model_version="1.0")
        assert result.as_numpy("predictions").tolist() == [1.0, 2.0]

    def test_gzip_request(self, triton: httpclient.InferenceServerClient) -> None:
        """A gzip-compressed binary request is read."""
        result = triton.infer(
            "echo",
            _echo_inputs(binary=True),
            model_version="1.0",
            request_compression_algorithm="gzip",
        )
        assert result.as_numpy("predictions").tolist() == [1.5, -2.0, 3.25]

    def test_unknown_model(self, triton: httpclient.InferenceServerClient) -> None:
        """Inference on an unknown model fails with a 404 message."""
        with pytest.raises(InferenceServerException) as caught:
            triton.infer("no-such-model", _echo_inputs(binary=True))
        assert caught.value.status() == "404"
        assert "no-such-model" in caught.value.message()

    def test_ill_typed_tensor(self, triton: httpclient.InferenceServerClient) -> None:
        """BYTES for the FP64 field x is a 400 whose message names x."""
        x = _input("x", "BYTES", np.array([b"1.5"], dtype=np.object_), binary=True)
        with pytest.raises(InferenceServerException) as caught:
            triton.infer("echo", [x])
        assert caught.value.status() == "400"
        assert "input 'x'" in caught.value.message()

    def test_invalid_value(self, triton: httpclient.InferenceServerClient) -> None:
        """A label outside the allowed values is a 422 naming the field."""
        inputs = [
            _input("x", "FP64", np.array([1.0]), binary=True),
            _input("label", "BYTES", np.array([b"zzz"], dtype=np.object_), binary=True),
        ]
        with pytest.raises(InferenceServerException) as caught:
            triton.infer("echo", inputs, model_version="1.0")
        assert caught.value.status() == "422"
        assert "field 'label'" in caught.value.message()
        assert "'zzz'" in caught.value.message()


@pytest.fixture(scope="module")
def house_rows() -> pd.DataFrame:
    """The first 20 test.csv houses with every non-nullable field present."""
    frame = load_dataset("test.csv")[list(INPUT_SCHEMA)]
    required = [
        name for name, rules in INPUT_SCHEMA.items() if not rules.get("nullable")
    ]
    return frame.dropna(subset=required).head(ROWS).reset_index(drop=True)


def _house_column(name: str, datatype: str, column: pd.Series) -> np.ndarray:
    if datatype == "BYTES":
        return np.array(
            [b"" if pd.isna(value) else str(value).encode() for value in column],
            dtype=np.object_,
        )
    if datatype == "INT64":
        return column.astype(np.int64).to_numpy()
    return column.astype(np.float64).to_numpy()


def _v1_records(rows: pd.DataFrame) -> list[dict[str, Any]]:
    records = rows.astype(object).where(rows.notna(), None).to_dict(orient="records")
    return [
        {
            key: int(value) if INPUT_SCHEMA[key]["type"] == "integer" else value
            for key, value in record.items()
        }
        for record in records
    ]


class TestHousePrices:
    """V2 and v1 predict the same prices for the same houses."""

    @pytest.mark.parametrize("binary", [True, False])
    def test_v2_equals_v1(
        self,
        house_prices_server: RunningServer,
        prices_triton: httpclient.InferenceServerClient,
        house_rows: pd.DataFrame,
        binary: bool,
    ) -> None:
        """20 houses sent column by column predict exactly v1's prices."""
        metadata = prices_triton.get_model_metadata("house-prices")
        inputs = [
            _input(
                spec["name"],
                spec["datatype"],
                _house_column(spec["name"], spec["datatype"], house_rows[spec["name"]]),
                binary=binary,
            )
            for spec in metadata["inputs"]
        ]
        assert len(inputs) == 24
        result = prices_triton.infer("house-prices", inputs)
        v2 = result.as_numpy("predictions").tolist()
        v1 = house_prices_server.post(
            "/v1/models/house-prices/predict", json=_v1_records(house_rows)
        )
        assert v1.status_code == 200, v1.text
        assert len(v2) == ROWS
        assert v2 == v1.json()["predictions"]
