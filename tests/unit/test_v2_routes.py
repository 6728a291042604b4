"""The V2 (Open Inference Protocol) routes and views, in process with Falcon."""

from __future__ import annotations

import gzip
import zlib
from typing import Any, ClassVar

import falcon.testing
import numpy as np
import orjson
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from roost.controllers.app import create_app
from roost.core import Output
from roost.core.runtime.settings import Settings
from roost.core.serving.dataplane import PredictionResult
from roost.core.serving.tensors import DATATYPES
from roost.views.v2 import output_tensors, pack_binary, render_inference

HEADER = "Inference-Header-Content-Length"
ECHO_RECORDS = [
    {"x": 1.5, "label": "a", "count": 3},
    {"x": -2.25, "label": None},
    {"x": 1e-3, "label": "b", "count": 0},
]


_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False)
    | st.sampled_from(["a", "b", "", "1.5", "zzz"])
)
_NAMES = st.sampled_from(["x", "label", "count", "other"])
_TYPES = st.sampled_from([*DATATYPES, "FP128"])
#: Any shape and data, nested or not: mostly 400s.
_ANY_TENSORS = st.fixed_dictionaries(
    {
        "name": _NAMES,
        "datatype": _TYPES,
        "shape": st.lists(st.integers(0, 3), max_size=3),
        "data": st.recursive(
            st.lists(_SCALARS, max_size=4), lambda inner: st.lists(inner, max_size=3)
        ),
    }
)


def _column(name: str, datatype: str, data: list[Any], **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "datatype": datatype,
        "shape": [len(data)],
        "data": data,
        **extra,
    }


#: Columns whose shape fits their data, so more requests reach validation.
_COLUMNS = st.builds(
    _column, _NAMES, _TYPES, st.lists(_SCALARS, min_size=2, max_size=2)
)
_VALID_X = st.builds(
    _column,
    st.just("x"),
    st.just("FP64"),
    st.lists(st.floats(-9, 9), min_size=2, max_size=2),
)


def _infer(
    client: falcon.testing.TestClient, path: str, body: dict[str, Any]
) -> falcon.testing.Result:
    return client.simulate_post(f"/v2/models/{path}/infer", json=body)


def _binary_request(
    document: dict[str, Any], chunks: list[bytes]
) -> tuple[bytes, dict[str, str]]:
    header = orjson.dumps(document)
    return header + b"".join(chunks), {HEADER: str(len(header))}


def _split_binary(result: falcon.testing.Result) -> tuple[dict[str, Any], bytes]:
    length = int(result.headers[HEADER.lower()])
    return orjson.loads(result.content[:length]), result.content[length:]


class TestServer:
    """Server metadata, liveness and readiness."""

    @pytest.mark.parametrize("path", ["/v2", "/v2/"])
    def test_metadata(self, client: falcon.testing.TestClient, path: str) -> None:
        """GET /v2 (and /v2/) names roost, its version and the extensions."""
        body = client.simulate_get(path).json
        assert body["name"] == "roost"
        assert isinstance(body["version"], str)
        # Only what roost implements in full: no load/unload, so no repository.
        assert body["extensions"] == ["binary_tensor_data"]

    def test_live(self, client: falcon.testing.TestClient) -> None:
        """The liveness probe answers 200 live."""
        result = client.simulate_get("/v2/health/live")
        assert (result.status_code, result.json) == (200, {"live": True})

    def test_not_ready_says_why(self, client: falcon.testing.TestClient) -> None:
        """Broken test adapters make the server not ready: 503 with the reason."""
        result = client.simulate_get("/v2/health/ready")
        assert result.status_code == 503
        assert result.json["ready"] is False
        assert "fails-load" in result.json["error"]

    def test_ready(self, house_prices_client: falcon.testing.TestClient) -> None:
        """With every adapter loaded the readiness probe answers 200 ready."""
        result = house_prices_client.simulate_get("/v2/health/ready")
        assert (result.status_code, result.json) == (200, {"ready": True})


class TestModels:
    """Model list, metadata, readiness and the repository index."""

    def test_list(self, client: falcon.testing.TestClient) -> None:
        """GET /v2/models names every installed model once, ready or not."""
        result = client.simulate_get("/v2/models")
        assert result.status_code == 200
        assert result.json == {
            "models": [
                "broken-import",
                "echo",
                "fails-load",
                "fails-predict",
                "parity",
                "sleepy",
            ]
        }

    def test_metadata_default_and_pinned(
        self, client: falcon.testing.TestClient
    ) -> None:
        """Unversioned metadata describes echo 2.0; the pinned route echo 1.0."""
        newest = client.simulate_get("/v2/models/echo").json
        assert newest["inputs"] == [{"name": "x", "datatype": "FP64", "shape": [-1]}]
        older = client.simulate_get("/v2/models/echo/versions/1.0").json
        assert older["name"] == "echo"
        assert older["versions"] == ["2.0", "1.0"]
        assert older["platform"] == "roost_adapter"
        assert [(i["name"], i["datatype"]) for i in older["inputs"]] == [
            ("x", "FP64"),
            ("label", "BYTES"),
            ("count", "INT64"),
        ]
        assert older["outputs"] == [
            {"name": "predictions", "datatype": "FP64", "shape": [-1]}
        ]

    def test_classifier_metadata(self, client: falcon.testing.TestClient) -> None:
        """A classifier lists its declared labels and probabilities outputs."""
        body = client.simulate_get("/v2/models/parity").json
        assert body["outputs"] == [
            {"name": "predictions", "datatype": "BYTES", "shape": [-1]},
            {"name": "probabilities", "datatype": "FP64", "shape": [-1, 2]},
        ]
        described = orjson.loads(body["properties"]["outputs"])
        assert [output["labels"] for output in described] == [["even", "odd"]] * 2

    @pytest.mark.parametrize(
        "path",
        [
            "/v2/models/nope",
            "/v2/models/echo/versions/9",
            "/v2/models/nope/ready",
            "/v2/models/echo/versions/9/ready",
        ],
    )
    def test_unknown_is_a_404(
        self, client: falcon.testing.TestClient, path: str
    ) -> None:
        """Unknown models and versions are 404s with an error string."""
        result = client.simulate_get(path)
        assert result.status_code == 404
        assert isinstance(result.json["error"], str)

    def test_model_ready(self, client: falcon.testing.TestClient) -> None:
        """A loaded version is ready (200); one that failed to load is not (503)."""
        ready = client.simulate_get("/v2/models/echo/versions/1.0/ready")
        assert ready.status_code == 200
        assert ready.json["name"] == "echo"
        assert ready.json["ready"] is True
        broken = client.simulate_get("/v2/models/fails-load/ready")
        assert broken.status_code == 503
        assert broken.json["ready"] is False
        assert "weights.bin" in broken.json["error"]

    def test_repository_index(self, client: falcon.testing.TestClient) -> None:
        """The index lists every version; {"ready": true} keeps the ready ones."""
        index = client.simulate_post("/v2/repository/index").json
        states = {(i["name"], i.get("version")): i["state"] for i in index}
        assert states[("echo", "1.0")] == "READY"
        assert states[("fails-load", "1.0")] == "UNAVAILABLE"
        assert states[("broken-import", None)] == "UNAVAILABLE"
        ready = client.simulate_post("/v2/repository/index", json={"ready": True}).json
        assert {item["state"] for item in ready} == {"READY"}
        bad = client.simulate_post("/v2/repository/index", json={"ready": "yes"})
        assert bad.status_code == 400


class TestInfer:
    """JSON inference: tabular tensors in, v1's predictions out."""

    def test_same_predictions_as_v1(self, client: falcon.testing.TestClient) -> None:
        """Columns of the v1 records predict exactly what v1 predicts."""
        v1 = client.simulate_post(
            "/v1/models/echo/versions/1.0/predict", json=ECHO_RECORDS
        ).json
        body = {
            "id": "42",
            "inputs": [
                _column("x", "FP64", [r["x"] for r in ECHO_RECORDS]),
                _column("label", "BYTES", [r["label"] or "" for r in ECHO_RECORDS]),
                _column("count", "FP64", [r.get("count") for r in ECHO_RECORDS]),
            ],
        }
        result = _infer(client, "echo/versions/1.0", body)
        assert result.status_code == 200, result.text
        assert result.json == {
            "model_name": "echo",
            "model_version": "1.0",
            "id": "42",
            "outputs": [
                {
                    "name": "predictions",
                    "datatype": "FP64",
                    "shape": [3],
                    "data": v1["predictions"],
                }
            ],
        }

    def test_unversioned_and_nested(self, client: falcon.testing.TestClient) -> None:
        """The unversioned route uses the newest version; [N, 1] data is a column."""
        body = {
            "parameters": {"content_type": "pd"},
            "inputs": [
                {"name": "x", "datatype": "INT32", "shape": [2, 1], "data": [[1], [2]]}
            ],
        }
        result = _infer(client, "echo", body)
        assert result.json["model_version"] == "2.0"
        assert "id" not in result.json
        assert result.json["outputs"][0]["data"] == [2.0, 4.0]

    def test_classifier_outputs(self, client: falcon.testing.TestClient) -> None:
        """Labels and probabilities come as declared; `outputs` picks some."""
        inputs = [_column("n", "INT64", [3, 4])]
        plain = _infer(client, "parity", {"inputs": inputs}).json["outputs"]
        assert plain == [
            {
                "name": "predictions",
                "datatype": "BYTES",
                "shape": [2],
                "data": ["odd", "even"],
            },
            {
                "name": "probabilities",
                "datatype": "FP64",
                "shape": [2, 2],
                "data": [0.0, 1.0, 1.0, 0.0],
            },
        ]
        chosen = _infer(
            client, "parity", {"inputs": inputs, "outputs": [{"name": "probabilities"}]}
        ).json["outputs"]
        assert [o["name"] for o in chosen] == ["probabilities"]

    def test_only_requested_outputs_are_computed(
        self, testing_settings: Settings
    ) -> None:
        """An adapter that takes `outputs` is asked for exactly the named ones."""
        app = create_app(testing_settings)
        client = falcon.testing.TestClient(app)
        inputs = [_column("n", "INT64", [3])]
        body = {"inputs": inputs, "outputs": [{"name": "predictions"}]}
        assert _infer(client, "parity", body).status_code == 200
        adapter = app.dataplane.registry.lookup("parity").adapter
        assert adapter is not None
        assert adapter.asked[-1] == ("predictions",)  # type: ignore[attr-defined]

    def test_unknown_output_is_a_400(self, client: falcon.testing.TestClient) -> None:
        """Requesting an output the model does not produce names it."""
        body = {"inputs": [_column("x", "FP64", [1.0])], "outputs": [{"name": "y"}]}
        result = _infer(client, "echo", body)
        assert result.status_code == 400
        assert "output 'y'" in result.json["error"]

    def test_an_output_named_twice_is_a_400(
        self, client: falcon.testing.TestClient
    ) -> None:
        """Two request outputs of one name would answer one tensor twice."""
        body = {
            "inputs": [_column("x", "FP64", [1.0])],
            "outputs": [{"name": "predictions"}, {"name": "predictions"}],
        }
        result = _infer(client, "echo", body)
        assert result.status_code == 400
        assert "'predictions' is asked for more than once" in result.json["error"]

    def test_validation_error_names_the_field(
        self, client: falcon.testing.TestClient
    ) -> None:
        """A value the schema refuses is a 422 naming row, field and reason."""
        body = {
            "inputs": [
                _column("x", "FP64", [1.0, 2.0]),
                _column("label", "BYTES", ["a", "zzz"]),
            ]
        }
        result = _infer(client, "echo/versions/1.0", body)
        assert result.status_code == 422
        assert "record 1, field 'label'" in result.json["error"]
        assert "unallowed value 'zzz'" in result.json["error"]
        assert list(result.json["errors"]["1"]) == ["label"]

    def test_adapter_refusal_is_a_422(self, client: falcon.testing.TestClient) -> None:
        """The adapter's own business rule (x == 13) is a 422."""
        result = _infer(
            client, "echo/versions/1.0", {"inputs": [_column("x", "FP64", [13])]}
        )
        assert result.status_code == 422
        assert "x must not be 13" in result.json["error"]

    @pytest.mark.parametrize(
        ("body", "fragment"),
        [
            ({"inputs": [_column("x", "BYTES", ["1.5"])]}, "input 'x': datatype BYTES"),
            ({"inputs": [_column("count", "INT64", [1])]}, "input 'x' is missing"),
            (
                {
                    "inputs": [
                        {"name": "x", "datatype": "FP64", "shape": [3], "data": [1.0]}
                    ]
                },
                "input 'x': shape [3] needs 3",
            ),
            ({"inputs": [_column("x", "FP64", ["a"])]}, "input 'x': 'a' is not a FP64"),
            (
                {"inputs": [{"name": "x", "datatype": "FP64", "shape": [1]}]},
                "input 'x' has no data",
            ),
            ({"inputs": [_column("x", "FP64", [1.0])] * 2}, "two inputs share a name"),
            ({"inputs": []}, "inputs must be a non-empty list"),
            ({"inputs": [_column("x", "FP64", [1.0])], "id": 7}, "id must be a string"),
            (
                {
                    "inputs": [_column("x", "FP64", [1.0])],
                    "parameters": {"content_type": "str"},
                },
                "content_type 'str' is not supported",
            ),
            (
                {
                    "inputs": [
                        {"name": "x", "datatype": "FP64", "shape": [-1], "data": []}
                    ]
                },
                "shape must be",
            ),
        ],
    )
    def test_tensor_problems_are_400s(
        self, client: falcon.testing.TestClient, body: dict[str, Any], fragment: str
    ) -> None:
        """Ill-typed, missing or ill-shaped tensors are 400s saying which."""
        result = _infer(client, "echo/versions/1.0", body)
        assert result.status_code == 400
        assert fragment in result.json["error"]

    @pytest.mark.parametrize("raw", [b"", b"{", b"[1]", b'"text"'])
    def test_malformed_bodies_are_400s(
        self, client: falcon.testing.TestClient, raw: bytes
    ) -> None:
        """Empty, truncated or non-object bodies are 400s with an error string."""
        result = client.simulate_post("/v2/models/echo/infer", body=raw)
        assert result.status_code == 400
        assert isinstance(result.json["error"], str)

    def test_nan_literal_is_a_missing_value(
        self, client: falcon.testing.TestClient
    ) -> None:
        """The NaN that tritonclient's JSON writer emits marks a missing value."""
        raw = b'{"inputs": [%s, %s]}' % (
            orjson.dumps(_column("x", "FP64", [1.0, 2.0])),
            b'{"name": "count", "datatype": "FP64", "shape": [2], "data": [NaN, 4]}',
        )
        result = client.simulate_post("/v2/models/echo/versions/1.0/infer", body=raw)
        assert result.status_code == 200, result.text
        assert result.json["outputs"][0]["data"] == [1.0, 2.0]

    @pytest.mark.parametrize(
        ("path", "status"),
        [("nope", 404), ("fails-load", 503), ("broken-import", 503)],
    )
    def test_unknown_or_broken_model(
        self, client: falcon.testing.TestClient, path: str, status: int
    ) -> None:
        """Unknown models are 404s, models that failed to load 503s."""
        result = _infer(client, path, {"inputs": [_column("x", "FP64", [1.0])]})
        assert result.status_code == status
        assert isinstance(result.json["error"], str)

    def test_failing_adapter_is_a_500(self, client: falcon.testing.TestClient) -> None:
        """An adapter crashing is a 500 whose error names the model."""
        result = _infer(
            client, "fails-predict", {"inputs": [_column("x", "FP64", [-1.0])]}
        )
        assert result.status_code == 500
        assert "fails-predict" in result.json["error"]

    def test_gzip_body(self, client: falcon.testing.TestClient) -> None:
        """A gzip-compressed request (tritonclient's option) is read."""
        raw = gzip.compress(orjson.dumps({"inputs": [_column("x", "FP64", [2.0])]}))
        result = client.simulate_post(
            "/v2/models/echo/infer", body=raw, headers={"Content-Encoding": "gzip"}
        )
        assert result.json["outputs"][0]["data"] == [4.0]

    @pytest.mark.parametrize(
        ("encoding", "raw", "fragment"),
        [
            ("gzip", b"not gzip", "cannot decompress the gzip body"),
            ("deflate", zlib.compress(b'{"inputs": []}')[:-3], "is truncated"),
            ("br", b"{}", "unsupported Content-Encoding 'br'"),
        ],
    )
    def test_bad_encodings(
        self,
        client: falcon.testing.TestClient,
        encoding: str,
        raw: bytes,
        fragment: str,
    ) -> None:
        """Undecodable or unsupported encodings are 400s saying so."""
        result = client.simulate_post(
            "/v2/models/echo/infer", body=raw, headers={"Content-Encoding": encoding}
        )
        assert result.status_code == 400
        assert fragment in result.json["error"]


class TestFuzzedRequests:
    """Arbitrary tensors never crash the codec."""

    @given(
        x=_VALID_X | _ANY_TENSORS,
        others=st.lists(_ANY_TENSORS | _COLUMNS, max_size=3),
    )
    @settings(
        max_examples=150,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    def test_no_server_errors(
        self,
        client: falcon.testing.TestClient,
        x: dict[str, Any],
        others: list[dict[str, Any]],
    ) -> None:
        """Any mix of names, datatypes, shapes and data is a 200, 400 or 422."""
        result = _infer(client, "echo/versions/1.0", {"inputs": [x, *others]})
        event(f"status {result.status_code}")
        assert result.status_code in {200, 400, 422}, result.text
        assert result.status_code == 200 or isinstance(result.json["error"], str)


class TestBinaryExtension:
    """The binary tensor data extension, in and out."""

    def test_binary_inputs_and_outputs(self, client: falcon.testing.TestClient) -> None:
        """Raw FP32 and BYTES inputs predict; the output comes back as raw FP64."""
        x = np.array([1.5, -2.0], "<f4").tobytes()
        labels = b"\x01\x00\x00\x00a\x00\x00\x00\x00"
        document = {
            "inputs": [
                {
                    "name": "x",
                    "datatype": "FP32",
                    "shape": [2],
                    "parameters": {"binary_data_size": len(x)},
                },
                {
                    "name": "label",
                    "datatype": "BYTES",
                    "shape": [2],
                    "parameters": {"binary_data_size": len(labels)},
                },
            ],
            "parameters": {"binary_data_output": True},
        }
        raw, headers = _binary_request(document, [x, labels])
        result = client.simulate_post(
            "/v2/models/echo/versions/1.0/infer", body=raw, headers=headers
        )
        assert result.status_code == 200, result.text
        assert result.headers["content-type"] == "application/octet-stream"
        body, data = _split_binary(result)
        output = body["outputs"][0]
        assert output["parameters"] == {"binary_data_size": 16}
        assert "data" not in output
        assert np.frombuffer(data, "<f8").tolist() == [1.5, -2.0]

    def test_output_flag_wins(self, client: falcon.testing.TestClient) -> None:
        """An output's binary_data false keeps it JSON despite binary_data_output."""
        body = {
            "inputs": [_column("n", "INT64", [1])],
            "parameters": {"binary_data_output": True},
            "outputs": [
                {"name": "predictions", "parameters": {"binary_data": False}},
                {"name": "probabilities"},
            ],
        }
        result = _infer(client, "parity", body)
        document, data = _split_binary(result)
        assert document["outputs"][0]["data"] == ["odd"]
        assert np.frombuffer(data, "<f8").tolist() == [0.0, 1.0]

    @pytest.mark.parametrize(
        ("header", "extra", "fragment"),
        [
            ("99999", b"", "must be a byte count"),
            ("abc", b"", "must be a byte count"),
            (None, b"\x00" * 8, "not valid JSON"),
            ("", b"", "must be a byte count"),
        ],
    )
    def test_bad_header_length(
        self,
        client: falcon.testing.TestClient,
        header: str | None,
        extra: bytes,
        fragment: str,
    ) -> None:
        """A header length beyond the body or not a number is a 400."""
        document = orjson.dumps({"inputs": [_column("x", "FP64", [1.0])]})
        headers = {} if header is None else {HEADER: header}
        result = client.simulate_post(
            "/v2/models/echo/infer", body=document + extra, headers=headers
        )
        assert result.status_code == 400
        assert fragment in result.json["error"]

    def test_unclaimed_or_short_bytes(self, client: falcon.testing.TestClient) -> None:
        """Bytes no input claims, or fewer than claimed, are 400s."""
        x = np.array([1.0], "<f8").tobytes()
        document = {
            "inputs": [
                {
                    "name": "x",
                    "datatype": "FP64",
                    "shape": [1],
                    "parameters": {"binary_data_size": 8},
                }
            ]
        }
        extra, headers = _binary_request(document, [x, b"\x00"])
        result = client.simulate_post(
            "/v2/models/echo/infer", body=extra, headers=headers
        )
        assert "1 byte(s) of binary data that no input claims" in result.json["error"]
        short, headers = _binary_request(document, [x[:4]])
        result = client.simulate_post(
            "/v2/models/echo/infer", body=short, headers=headers
        )
        assert result.status_code == 400
        assert "overruns" in result.json["error"]


def _result(declared: tuple[Output, ...], **outputs: list[Any]) -> PredictionResult:
    rows = len(next(iter(outputs.values())))
    return PredictionResult("m", "1", dict(outputs), declared, {}, rows)


class TestOutputTensors:
    """Declared outputs become tensors of their declared datatype (the V2 view)."""

    @pytest.mark.parametrize(
        ("output", "values", "data"),
        [
            (Output.number(), [1.5, 2], [1.5, 2.0]),
            (Output.number(), [1.0, None, float("inf")], [1.0, None, None]),
            (Output.number(datatype="INT64"), [1, 2], [1, 2]),
            (Output.label([True, False]), [True, False], [True, False]),
            (Output.label(["a", "b"]), ["a", None], ["a", ""]),
            (Output.label([1, 2]), [2, 1], [2, 1]),
        ],
    )
    def test_datatype_is_the_declared_one(
        self, output: Output, values: list[Any], data: list[Any]
    ) -> None:
        """Each value is carried as its output's declared datatype says."""
        (tensor,) = output_tensors(_result((output,), predictions=values))
        assert (tensor.name, tensor.datatype, tensor.data) == (
            "predictions",
            output.datatype,
            data,
        )

    def test_probabilities_are_two_dimensional(self) -> None:
        """Rows of per-class probabilities give an [N, C] tensor, row-major."""
        declared = (Output.label("ab"), Output.probabilities("ab"))
        result = _result(
            declared, predictions=["a", "b"], probabilities=[[0.9, 0.1], [0.2, 0.8]]
        )
        _, tensor = output_tensors(result)
        assert tensor.shape == (2, 2)
        assert tensor.data == [0.9, 0.1, 0.2, 0.8]

    def test_requested_order_is_kept(self) -> None:
        """Outputs come back in the order the request named them."""
        declared = (Output.label("ab"), Output.probabilities("ab"))
        result = _result(declared, predictions=["a"], probabilities=[[1.0, 0.0]])
        names = [
            t.name for t in output_tensors(result, ["probabilities", "predictions"])
        ]
        assert names == ["probabilities", "predictions"]

    def test_binary_rendering(self) -> None:
        """Binary outputs carry their size and no data; the header is JSON."""
        declared = (Output.label("ab"), Output.probabilities("ab"))
        outputs = output_tensors(
            _result(declared, predictions=["a"], probabilities=[[1.0, 0.0]])
        )
        body, raw = render_inference("parity", "0.3", "7", outputs, {"probabilities"})
        assert body["outputs"][0] == {
            "name": "predictions",
            "datatype": "BYTES",
            "shape": [1],
            "data": ["a"],
        }
        assert body["outputs"][1]["parameters"] == {"binary_data_size": 16}
        packed, length = pack_binary(body, raw)
        assert orjson.loads(packed[:length]) == body
        assert np.frombuffer(packed[length:], "<f8").tolist() == [1.0, 0.0]


class TestRequestForm:
    """V2 infer reads JSON or binary tensors, and names what it cannot use."""

    body: ClassVar[dict[str, Any]] = {
        "inputs": [{"name": "x", "datatype": "FP64", "shape": [1], "data": [2.0]}]
    }

    @pytest.mark.parametrize(
        "content_type", [None, "application/json", "application/json; charset=utf-8"]
    )
    def test_json_is_read(
        self, client: falcon.testing.TestClient, content_type: str | None
    ) -> None:
        """A JSON content type, or none, is read as JSON."""
        headers = {} if content_type is None else {"Content-Type": content_type}
        result = client.simulate_post(
            "/v2/models/echo/infer", body=orjson.dumps(self.body), headers=headers
        )
        assert result.status_code == 200, result.text

    @pytest.mark.parametrize(
        "content_type", ["text/plain", "application/x-www-form-urlencoded"]
    )
    def test_other_types_are_415(
        self, client: falcon.testing.TestClient, content_type: str
    ) -> None:
        """Without the binary header, a non-JSON type is refused as v1 refuses it."""
        result = client.simulate_post(
            "/v2/models/echo/infer",
            body=orjson.dumps(self.body),
            headers={"Content-Type": content_type},
        )
        assert result.status_code == 415
        assert HEADER in result.json["error"]

    def test_unknown_input_is_a_400_naming_it(
        self, client: falcon.testing.TestClient
    ) -> None:
        """A misspelt input is refused by name instead of going missing."""
        body = {
            "inputs": [
                *self.body["inputs"],
                {"name": "lable", "datatype": "BYTES", "shape": [1], "data": ["a"]},
            ]
        }
        result = _infer(client, "echo/versions/1.0", body)
        assert result.status_code == 400
        assert "unknown input(s) 'lable'" in result.json["error"]
