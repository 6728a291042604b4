"""The app factory and routes, in process with Falcon's test client."""

from __future__ import annotations

from pathlib import Path

import falcon.testing
import pytest

from roost.controllers.app import create_app
from roost.core.runtime.settings import Settings

TESTING = "roost.adapters.testing"


def _client(tmp_path: Path, **changes: object) -> falcon.testing.TestClient:
    options: dict[str, object] = {
        "adapter_namespace": TESTING,
        "default_model": "echo",
        **changes,
    }
    settings = Settings.for_profile("testing", model_dir=tmp_path, **options)
    return falcon.testing.TestClient(create_app(settings))


class TestFactory:
    """create_app builds one app from settings and overrides."""

    def test_overrides_replace_settings_fields(self, tmp_path: Path) -> None:
        """Keyword overrides change the namespace the app serves."""
        settings = Settings.for_profile("testing", model_dir=tmp_path)
        app = create_app(settings, adapter_namespace="roost.adapters.none")
        body = falcon.testing.TestClient(app).simulate_get("/v1/models").json
        assert body == {"models": []}

    def test_pins_choose_the_default_version(self, tmp_path: Path) -> None:
        """A pinned version serves unversioned requests instead of the newest."""
        client = _client(tmp_path, pinned_versions={"echo": "1.0"})
        result = client.simulate_post("/v1/models/echo/predict", json=[{"x": 4}])
        assert result.json["version"] == "1.0"
        assert result.json["predictions"] == [4.0]


class TestBrokenPin:
    """A pin to a version that is not installed harms that model's routes only."""

    REASON = "pinned version 7 is not installed (ROOST_PINNED_VERSIONS)"

    def test_that_models_routes_answer_503_with_the_reason(
        self, tmp_path: Path
    ) -> None:
        """Unversioned predict, metadata and V2 infer of echo say why, in a 503."""
        client = _client(tmp_path, pinned_versions={"echo": "7"})
        for method, path, body in [
            ("POST", "/v1/models/echo/predict", [{"x": 4}]),
            ("GET", "/v1/models/echo", None),
            ("GET", "/v2/models/echo", None),
            ("GET", "/v2/models/echo/ready", None),
        ]:
            result = client.simulate_request(method, path, json=body)
            assert result.status_code == 503, (path, result.text)
            assert self.REASON in result.json["error"], path
            assert "installed: 2.0, 1.0" in result.json["error"]

    def test_versioned_routes_listings_and_other_models_still_answer(
        self, tmp_path: Path
    ) -> None:
        """Listings, named versions and every other model are unaffected."""
        client = _client(tmp_path, pinned_versions={"echo": "7"})
        versioned = client.simulate_post(
            "/v1/models/echo/versions/1.0/predict", json=[{"x": 4}]
        )
        assert versioned.json["predictions"] == [4.0]
        listing = client.simulate_get("/v1/models")
        assert listing.status_code == 200
        assert "echo" in {model["name"] for model in listing.json["models"]}
        assert client.simulate_get("/v2/models").status_code == 200
        assert client.simulate_get("/openapi.json").status_code == 200
        assert client.simulate_get("/version").status_code == 200
        parity = client.simulate_post("/v1/models/parity/predict", json=[{"n": 3}])
        assert parity.status_code == 200

    def test_readiness_reports_it(self, tmp_path: Path) -> None:
        """/health/ready is 503 and names the model and the broken pin."""
        client = _client(tmp_path, pinned_versions={"echo": "7"})
        result = client.simulate_get("/health/ready")
        assert result.status_code == 503
        assert f"echo ({self.REASON}" in result.json["reason"]


class TestRegressionRoute:
    """/v1/predict/regression is bound at start and never moves by itself."""

    def test_default_model_setting_wins(self, tmp_path: Path) -> None:
        """ROOST_DEFAULT_MODEL routes the regression route to the named adapter."""
        client = _client(tmp_path, default_model="fails-predict")
        result = client.simulate_post("/v1/predict/regression", json=[{"x": 3}])
        assert result.json == {
            "model": "fails-predict",
            "predictions": [3.0],
            "version": "1.0",
            "errors": None,
        }

    def test_several_regression_models_and_no_choice_is_a_503(
        self, tmp_path: Path
    ) -> None:
        """With four regression fixtures and no setting, a 503 names the setting."""
        client = _client(tmp_path, default_model=None)
        result = client.simulate_post("/v1/predict/regression", json=[{"x": 3}])
        assert result.status_code == 503
        assert "ROOST_DEFAULT_MODEL" in result.json["error"]
        assert "echo, fails-load, fails-predict, sleepy" in result.json["error"]
        other = client.simulate_post("/v1/models/echo/predict", json=[{"x": 3}])
        assert other.status_code == 200

    def test_the_only_regression_model_serves(self, tmp_path: Path) -> None:
        """With one regression adapter installed, it serves the route."""
        client = _client(
            tmp_path, adapter_namespace="roost.adapters.probe", default_model=None
        )
        result = client.simulate_post("/v1/predict/regression", json=[{"x": 3}])
        assert result.status_code == 200, result.text
        assert result.json["predictions"] == [1.0]

    def test_no_regression_model_is_a_404(self, tmp_path: Path) -> None:
        """With no adapter installed the regression route answers 404 JSON."""
        client = _client(
            tmp_path, adapter_namespace="roost.adapters.none", default_model=None
        )
        result = client.simulate_post("/v1/predict/regression", json=[{"x": 3}])
        assert result.status_code == 404
        assert "regression" in result.json["error"]

    def test_inputs_wrapper_is_not_the_original_format(self, tmp_path: Path) -> None:
        """The regression route takes the original API's bare list only."""
        result = _client(tmp_path).simulate_post(
            "/v1/predict/regression", json={"inputs": [{"x": 1}]}
        )
        assert result.status_code == 400


class TestRoutes:
    """Small route behaviours not worth a real server."""

    @pytest.mark.parametrize(
        ("path", "body", "version"),
        [
            ("/v1/models/echo/predict", [{"x": 1}], "2.0"),
            ("/v1/models/echo/versions/1/predict", [{"x": 1}], "1.0"),
            ("/v1/predict/regression", [{"x": 1}], "2.0"),
            (
                "/v2/models/echo/infer",
                {
                    "inputs": [
                        {"name": "x", "datatype": "FP64", "shape": [1], "data": [1]}
                    ]
                },
                "2.0",
            ),
        ],
    )
    def test_predictions_name_the_model_in_headers(
        self,
        client: falcon.testing.TestClient,
        path: str,
        body: object,
        version: str,
    ) -> None:
        """Every prediction answer says which model version computed it."""
        result = client.simulate_post(path, json=body)
        assert result.status_code == 200, result.text
        assert result.headers["X-Model-Name"] == "echo"
        assert result.headers["X-Model-Version"] == version

    def test_trailing_slash_is_tolerated(
        self, client: falcon.testing.TestClient
    ) -> None:
        """/v1/models/ answers like /v1/models."""
        assert client.simulate_get("/v1/models/").status_code == 200

    def test_version_lists_every_model(self, client: falcon.testing.TestClient) -> None:
        """/version names the default regression model and all versions."""
        body = client.simulate_get("/version").json
        assert body["model"] == "echo"
        assert body["model_version"] == "2.0"
        assert body["models"]["echo"] == ["2.0", "1.0"]
        assert body["api_version"]

    def test_unacceptable_request_id_is_replaced(
        self, client: falcon.testing.TestClient
    ) -> None:
        """A request id with spaces or control characters is not echoed."""
        result = client.simulate_get("/health", headers={"X-Request-ID": "bad id\x7f"})
        assert result.headers["X-Request-ID"] != "bad id\x7f"
        assert len(result.headers["X-Request-ID"]) == 32

    def test_predict_with_get_is_a_405(self, client: falcon.testing.TestClient) -> None:
        """Routes refuse methods they do not serve, in JSON."""
        result = client.simulate_get("/v1/models/echo/predict")
        assert result.status_code == 405
        assert result.json["title"].startswith("405")


class TestReadiness:
    """/health/ready and /v2/health/ready tell the same truth."""

    def test_draining_makes_the_server_unready(self, tmp_path: Path) -> None:
        """After start_draining (SIGTERM's hook) both readiness routes answer 503."""
        app = create_app(
            Settings.for_profile("testing", model_dir=tmp_path, default_model=None),
            adapter_namespace="roost.adapters.testing",
            pinned_versions={},
        )
        client = falcon.testing.TestClient(app)
        app.dataplane.readiness.start_draining()
        ready = client.simulate_get("/health/ready")
        v2 = client.simulate_get("/v2/health/ready")
        assert ready.status_code == 503
        assert ready.json["reason"].startswith("draining")
        assert v2.status_code == 503
        assert v2.json["ready"] is False
        assert client.simulate_get("/health").status_code == 200
