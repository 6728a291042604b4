"""The test adapters served by real gunicorn: versions, isolation, errors."""

from __future__ import annotations

import json
import socket
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from server_harness import RunningServer

pytestmark = pytest.mark.integration


class TestDiscoveryAndVersions:
    """Installed adapter packages are found and versioned over HTTP."""

    def test_models_lists_every_installed_adapter(
        self, testing_server: RunningServer
    ) -> None:
        """GET /v1/models lists good and broken adapters with their readiness."""
        models = {
            m["name"]: m for m in testing_server.get("/v1/models").json()["models"]
        }
        assert set(models) == {
            "broken-import",
            "echo",
            "fails-load",
            "fails-predict",
            "parity",
            "sleepy",
        }
        assert models["echo"]["versions"] == ["2.0", "1.0"]
        assert models["echo"]["ready"] is True
        assert models["fails-load"]["ready"] is False
        assert "weights.bin is missing" in models["fails-load"]["error"]
        assert models["broken-import"]["ready"] is False
        assert "import failed" in models["broken-import"]["error"]

    def test_default_version_is_the_newest(self, testing_server: RunningServer) -> None:
        """An unversioned predict is served by echo 2.0, which doubles x."""
        response = testing_server.post("/v1/models/echo/predict", json=[{"x": 1.5}])
        assert response.status_code == 200
        assert response.json() == {
            "model": "echo",
            "version": "2.0",
            "predictions": [3.0],
        }

    def test_pinned_route_serves_the_older_version(
        self, testing_server: RunningServer
    ) -> None:
        """The versioned route reaches echo 1.0, installed from another package."""
        response = testing_server.post(
            "/v1/models/echo/versions/1.0/predict", json={"inputs": [{"x": 1.5}]}
        )
        assert response.status_code == 200
        assert response.json()["predictions"] == [1.5]
        assert response.json()["version"] == "1.0"

    def test_metadata_carries_the_input_schema(
        self, testing_server: RunningServer
    ) -> None:
        """GET /v1/models/{name} shows the default version's schema and all versions."""
        body = testing_server.get("/v1/models/echo").json()
        assert body["version"] == "2.0"
        assert body["input_schema"] == {"x": {"type": "float", "required": True}}
        assert [state["version"] for state in body["version_states"]] == ["2.0", "1.0"]

    def test_classifier_returns_labels_and_probabilities(
        self, testing_server: RunningServer
    ) -> None:
        """A classifier answers labels, and per record one probability per label."""
        response = testing_server.post(
            "/v1/models/parity/predict", json=[{"n": 3}, {"n": "4"}]
        )
        assert response.json()["predictions"] == ["odd", "even"]
        assert response.json()["probabilities"] == [
            {"even": 0.0, "odd": 1.0},
            {"even": 1.0, "odd": 0.0},
        ]


class TestIsolation:
    """Broken adapters answer with JSON errors and never stop the server."""

    def test_adapter_failing_load_answers_503(
        self, testing_server: RunningServer
    ) -> None:
        """fails-load's routes answer 503 with a JSON reason and Retry-After."""
        response = testing_server.post("/v1/models/fails-load/predict", json=[{"x": 1}])
        assert response.status_code == 503
        assert "weights.bin is missing" in response.json()["error"]
        assert response.headers["Retry-After"].isdigit()

    def test_adapter_failing_import_answers_503(
        self, testing_server: RunningServer
    ) -> None:
        """broken-import is known by name but not ready."""
        response = testing_server.post(
            "/v1/models/broken-import/predict", json=[{"x": 1}]
        )
        assert response.status_code == 503
        assert "No module named" in response.json()["error"]

    def test_adapter_crash_is_a_500_and_the_server_lives(
        self, testing_server: RunningServer
    ) -> None:
        """An exception inside predict is a logged 500; the next request still works."""
        crash = testing_server.post(
            "/v1/models/fails-predict/predict", json=[{"x": -1}]
        )
        assert crash.status_code == 500
        assert "ZeroDivisionError" in crash.json()["error"]
        request_id = crash.headers["X-Request-ID"]
        assert crash.json()["request_id"] == request_id
        assert testing_server.get("/health").status_code == 200
        fine = testing_server.post("/v1/models/fails-predict/predict", json=[{"x": 2}])
        assert fine.json()["predictions"] == [2.0]
        assert request_id in testing_server.log_text()

    def test_wrong_prediction_count_is_a_500(
        self, testing_server: RunningServer
    ) -> None:
        """An adapter returning too few predictions is caught, not misaligned."""
        response = testing_server.post(
            "/v1/models/fails-predict/predict", json=[{"x": 0}]
        )
        assert response.status_code == 500
        error = response.json()["error"]
        assert "returned 0 values of 'predictions' for 1 rows" in error


class TestErrorsAreJson:
    """Every error, Falcon's own included, is a JSON body of one shape."""

    @pytest.mark.parametrize(
        ("method", "path", "body", "status"),
        [
            ("GET", "/no/such/route", None, 404),
            ("DELETE", "/health", None, 405),
            ("GET", "/v1/models/unknown", None, 404),
            ("POST", "/v1/models/unknown/predict", b"[{}]", 404),
            ("POST", "/v1/models/echo/versions/9.9/predict", b'[{"x": 1}]', 404),
            ("POST", "/v1/models/echo/predict", b"{not json", 400),
            ("POST", "/v1/models/echo/predict", b"", 400),
            ("POST", "/v1/models/echo/predict", b"[]", 400),
            ("POST", "/v1/models/echo/predict", b'{"x": 1}', 400),
            ("POST", "/v1/models/echo/predict", b'"text"', 400),
            ("POST", "/v1/models/echo/predict?partial=maybe", b'[{"x": 1}]', 400),
            ("POST", "/v1/models/echo/predict", b'[{"x": "lots"}]', 422),
            ("POST", "/v1/models/echo/versions/1.0/predict", b'[{"x": 13}]', 422),
            ("POST", "/v1/predict/regression", b'{"inputs": []}', 400),
        ],
    )
    def test_error_shape(
        self,
        testing_server: RunningServer,
        method: str,
        path: str,
        body: bytes | None,
        status: int,
    ) -> None:
        """The status is the expected 4xx and the body has `error` and `title`."""
        response = testing_server.session.request(
            method,
            testing_server.url(path),
            data=body,
            headers={"Content-Type": "application/json"},
            timeout=30,
        )
        assert response.status_code == status
        assert response.headers["Content-Type"].startswith("application/json")
        body_json = response.json()
        assert isinstance(body_json["error"], str) and body_json["error"]
        assert isinstance(body_json["title"], str)
        assert body_json["request_id"] == response.headers["X-Request-ID"]

    def test_validation_errors_name_record_and_field(
        self, testing_server: RunningServer
    ) -> None:
        """A 422 lists every failing record by index with per-field reasons."""
        response = testing_server.post(
            "/v1/models/echo/versions/1.0/predict",
            json=[{"x": 1}, {"x": 2, "label": "z"}, {"count": -1}],
        )
        assert response.status_code == 422
        errors = response.json()["errors"]
        assert set(errors) == {"1", "2"}
        assert "allowed values" in errors["1"]["label"][0]
        assert errors["2"]["x"] == ["required field"]
        assert errors["2"]["count"] == ["min value is 0"]

    def test_partial_aligns_predictions_with_input(
        self, testing_server: RunningServer
    ) -> None:
        """With ?partial=true invalid rows are null in place and listed in errors."""
        response = testing_server.post(
            "/v1/models/echo/predict?partial=true", json=[{"x": "a"}, {"x": 1}, 7]
        )
        assert response.status_code == 200
        body = response.json()
        assert body["predictions"] == [None, 2.0, None]
        assert set(body["errors"]) == {"0", "2"}

    def test_client_request_id_is_echoed(self, testing_server: RunningServer) -> None:
        """A plain X-Request-ID from the client comes back unchanged."""
        response = testing_server.get("/health", headers={"X-Request-ID": "trace-42"})
        assert response.headers["X-Request-ID"] == "trace-42"

    def test_garbage_request_line_does_not_hurt(
        self, testing_server: RunningServer
    ) -> None:
        """A non-HTTP byte stream is refused by gunicorn and health stays 200."""
        with socket.create_connection(
            ("127.0.0.1", testing_server.port), timeout=10
        ) as sock:
            sock.sendall(b"\x00\xffGARBAGE\r\n\r\n")
            reply = sock.recv(1024)
        assert reply == b"" or reply.startswith(b"HTTP/1.1 400")
        assert testing_server.get("/health").json() == {"status": "ok"}


class TestConcurrency:
    """Concurrent requests on two workers all get their own answers."""

    def test_parallel_requests_get_their_own_predictions(
        self, testing_server: RunningServer
    ) -> None:
        """Forty concurrent requests each get twice their own x back."""

        def ask(x: int) -> float:
            # One connection per call: a requests.Session is not thread-safe.
            response = requests.post(
                testing_server.url("/v1/models/echo/predict"),
                data=json.dumps([{"x": x}]),
                timeout=30,
            )
            return float(response.json()["predictions"][0])

        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(ask, range(40)))
        assert results == [2.0 * x for x in range(40)]
