"""The app factory and routes, in process with Falcon's test client."""

from __future__ import annotations

from pathlib import Path

import falcon.testing

from roost.controllers.app import create_app
from roost.core.runtime.settings import Settings

TESTING = "roost.adapters.testing"


def _client(tmp_path: Path, **changes: object) -> falcon.testing.TestClient:
    options: dict[str, object] = {"adapter_namespace": TESTING, **changes}
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

    def test_pin_to_a_missing_version_is_a_404(self, tmp_path: Path) -> None:
        """A pin naming no installed version gives a clear 404, not a 500."""
        client = _client(tmp_path, pinned_versions={"echo": "7"})
        result = client.simulate_post("/v1/models/echo/predict", json=[{"x": 4}])
        assert result.status_code == 404
        assert "no version '7'" in result.json["error"]


class TestSeedAlias:
    """/v1/predict/regression picks the default regression model."""

    def test_default_model_setting_wins(self, tmp_path: Path) -> None:
        """ROOST_DEFAULT_MODEL routes the alias to the named adapter."""
        client = _client(tmp_path, default_model="fails-predict")
        result = client.simulate_post("/v1/predict/regression", json=[{"x": 3}])
        assert result.json == {"predictions": [3.0], "version": "1.0", "errors": None}

    def test_no_regression_model_is_a_404(self, tmp_path: Path) -> None:
        """With no adapter installed the alias answers 404 JSON."""
        client = _client(tmp_path, adapter_namespace="roost.adapters.none")
        result = client.simulate_post("/v1/predict/regression", json=[{"x": 3}])
        assert result.status_code == 404
        assert "regression" in result.json["error"]

    def test_inputs_wrapper_is_not_the_seed_format(self, tmp_path: Path) -> None:
        """The alias takes the seed's bare list only."""
        result = _client(tmp_path).simulate_post(
            "/v1/predict/regression", json={"inputs": [{"x": 1}]}
        )
        assert result.status_code == 400


class TestRoutes:
    """Small route behaviours not worth a real server."""

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
