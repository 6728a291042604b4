"""API keys on every route, in process with Falcon's test client."""

from __future__ import annotations

from pathlib import Path

import falcon.testing
import pytest

from roost.controllers.app import create_app
from roost.core.runtime.settings import KEYLESS_PATHS, Settings
from roost.core.security.key_file import add_key

Client = falcon.testing.TestClient


class Keys:
    """The secrets of the keys a test server accepts, by what they reach."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.echo = add_key(path, "echo-only", ["echo"])[1]
        self.parity = add_key(path, "parity-only", ["parity"])[1]
        self.everything = add_key(path, "everything", ["*"])[1]


@pytest.fixture
def keys(tmp_path: Path) -> Keys:
    """Three keys: for echo, for parity, for every model."""
    return Keys(tmp_path / "keys" / "api-keys.jsonl")


def _client(settings: Settings, keys: Keys, **changes: object) -> Client:
    return Client(create_app(settings, api_keys_file=keys.path, **changes))


@pytest.fixture
def guarded(testing_settings: Settings, keys: Keys) -> Client:
    """An app serving the test adapters that needs API keys."""
    return _client(testing_settings, keys)


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


ECHO_ROUTES = [
    ("POST", "/v1/models/echo/predict", [{"x": 2}]),
    ("POST", "/v1/models/echo/versions/1.0/predict", [{"x": 2}]),
    ("POST", "/v1/predict/regression", [{"x": 2}]),  # bound to echo here
    ("GET", "/v1/models/echo", None),
    ("GET", "/v2/models/echo", None),
    ("GET", "/v2/models/echo/ready", None),
    ("GET", "/v2/models/echo/versions/2.0", None),
    ("GET", "/v2/models/echo/versions/2.0/ready", None),
    (
        "POST",
        "/v2/models/echo/infer",
        {"inputs": [{"name": "x", "shape": [1], "datatype": "FP64", "data": [2]}]},
    ),
    (
        "POST",
        "/v2/models/echo/versions/1.0/infer",
        {"inputs": [{"name": "x", "shape": [1], "datatype": "FP64", "data": [2]}]},
    ),
]
LISTING_ROUTES = [
    ("GET", "/v1/models", None),
    ("GET", "/v2/models", None),
    ("GET", "/v2", None),
    ("POST", "/v2/repository/index", None),
    ("GET", "/version", None),
    ("GET", "/openapi.json", None),
    ("GET", "/docs", None),
    ("GET", "/", None),
]


class TestAcceptance:
    """Without a key 401; a key scoped to another model 403; the right key 200."""

    @pytest.mark.parametrize(("method", "path", "body"), ECHO_ROUTES)
    def test_every_route_of_a_model_checks_its_scope(
        self, guarded: Client, keys: Keys, method: str, path: str, body: object
    ) -> None:
        """Each route predicting or describing echo: 401, 403, then 200."""
        missing = guarded.simulate_request(method, path, json=body)
        assert missing.status_code == 401, missing.text
        other = guarded.simulate_request(
            method, path, json=body, headers=_bearer(keys.parity)
        )
        assert other.status_code == 403, other.text
        for key in (keys.echo, keys.everything):
            right = guarded.simulate_request(
                method, path, json=body, headers=_bearer(key)
            )
            assert right.status_code == 200, right.text

    @pytest.mark.parametrize(("method", "path", "body"), LISTING_ROUTES)
    def test_routes_naming_no_model_take_any_valid_key(
        self, guarded: Client, keys: Keys, method: str, path: str, body: object
    ) -> None:
        """Lists, server metadata and docs need a key, of any scope."""
        assert guarded.simulate_request(method, path, json=body).status_code == 401
        scoped = guarded.simulate_request(
            method, path, json=body, headers=_bearer(keys.parity)
        )
        assert scoped.status_code == 200, scoped.text

    def test_an_unknown_path_needs_a_key_before_it_is_not_found(
        self, guarded: Client, keys: Keys
    ) -> None:
        """An unknown path is 401 without a key (no probing paths), 404 with one."""
        assert guarded.simulate_get("/v3/anything").status_code == 401
        found = guarded.simulate_get("/v3/anything", headers=_bearer(keys.parity))
        assert found.status_code == 404

    def test_a_model_that_is_not_installed_is_out_of_a_scoped_keys_reach(
        self, guarded: Client, keys: Keys
    ) -> None:
        """A scoped key gets 403 for a model it does not name, installed or not."""
        path = "/v1/models/nosuch/predict"
        scoped = guarded.simulate_post(
            path, json=[{"x": 1}], headers=_bearer(keys.echo)
        )
        assert scoped.status_code == 403
        wildcard = guarded.simulate_post(
            path, json=[{"x": 1}], headers=_bearer(keys.everything)
        )
        assert wildcard.status_code == 404


class TestHeaders:
    """Keys arrive as a bearer token or in X-API-Key."""

    def test_x_api_key_works_like_bearer(self, guarded: Client, keys: Keys) -> None:
        """X-API-Key: KEY identifies the key as Authorization: Bearer KEY does."""
        path = "/v1/models/echo/predict"
        ok = guarded.simulate_post(
            path, json=[{"x": 2}], headers={"X-API-Key": keys.echo}
        )
        assert ok.status_code == 200
        assert ok.json["model"] == "echo"
        other = guarded.simulate_post(
            path, json=[{"x": 2}], headers={"X-API-Key": keys.parity}
        )
        assert other.status_code == 403

    @pytest.mark.parametrize("scheme", ["bearer", "BEARER", "Bearer  "])
    def test_the_bearer_scheme_is_case_insensitive(
        self, guarded: Client, keys: Keys, scheme: str
    ) -> None:
        """The scheme name matches in any case, with extra spaces."""
        headers = {"Authorization": f"{scheme} {keys.echo}"}
        assert (
            guarded.simulate_get("/v1/models/echo", headers=headers).status_code == 200
        )

    def test_both_headers_with_one_key_are_fine(
        self, guarded: Client, keys: Keys
    ) -> None:
        """The same key in both headers is accepted."""
        headers = {**_bearer(keys.echo), "X-API-Key": keys.echo}
        assert (
            guarded.simulate_get("/v1/models/echo", headers=headers).status_code == 200
        )

    def test_two_different_keys_are_refused(self, guarded: Client, keys: Keys) -> None:
        """Different keys in the two headers are 401, even if both are valid."""
        headers = {**_bearer(keys.echo), "X-API-Key": keys.everything}
        result = guarded.simulate_get("/v1/models/echo", headers=headers)
        assert result.status_code == 401
        assert "different keys" in result.json["error"]

    @pytest.mark.parametrize("key", ["roost_\u00e9t\u00e9", "roost_" + "k" * 8000])
    def test_odd_keys_are_refused_plainly(self, guarded: Client, key: str) -> None:
        """Non-ASCII or huge keys are 401 like any wrong key, never a 500."""
        result = guarded.simulate_get("/v1/models", headers={"X-API-Key": key})
        assert result.status_code == 401
        assert result.json["error"] == "the API key is not valid"

    def test_another_scheme_is_no_key(self, guarded: Client, keys: Keys) -> None:
        """Authorization: Basic ... carries no API key: 401 as if none were sent."""
        headers = {"Authorization": "Basic dXNlcjpwYXNz"}
        result = guarded.simulate_get("/v1/models", headers=headers)
        assert result.status_code == 401
        assert result.headers["WWW-Authenticate"] == 'Bearer realm="roost"'


class TestErrorBodies:
    """Refusals are JSON errors in roost's shape, with the bearer challenge."""

    def test_a_missing_key_is_401_with_a_challenge(self, guarded: Client) -> None:
        """401 carries WWW-Authenticate: Bearer and says how to send a key."""
        result = guarded.simulate_post("/v1/models/echo/predict", json=[{"x": 1}])
        assert result.status_code == 401
        assert result.headers["WWW-Authenticate"] == 'Bearer realm="roost"'
        assert result.headers["Content-Type"].startswith("application/json")
        assert result.json["title"] == "Unauthorized"
        assert "Authorization: Bearer KEY" in result.json["error"]
        assert result.json["request_id"] == result.headers["X-Request-ID"]

    def test_a_wrong_key_is_401_invalid_token_and_not_echoed(
        self, guarded: Client
    ) -> None:
        """A wrong key gets error="invalid_token"; the body never repeats the key."""
        wrong = "roost_" + "x" * 43
        result = guarded.simulate_get("/v1/models", headers=_bearer(wrong))
        assert result.status_code == 401
        assert result.headers["WWW-Authenticate"] == (
            'Bearer realm="roost", error="invalid_token"'
        )
        assert result.json["error"] == "the API key is not valid"
        assert wrong not in result.text

    def test_a_key_outside_its_scope_is_403_naming_key_and_model(
        self, guarded: Client, keys: Keys
    ) -> None:
        """403 names the key and the model, never the key's secret."""
        result = guarded.simulate_get("/v1/models/echo", headers=_bearer(keys.parity))
        assert result.status_code == 403
        assert result.json == {
            "error": "API key 'parity-only' may not use model 'echo'",
            "title": "Forbidden",
            "request_id": result.headers["X-Request-ID"],
        }
        assert "WWW-Authenticate" not in result.headers

    def test_a_refused_request_changes_nothing(
        self, guarded: Client, keys: Keys
    ) -> None:
        """A refused predict never reaches the model: no rows are counted."""
        guarded.simulate_post(
            "/v1/models/echo/predict", json=[{"x": 1}], headers=_bearer(keys.parity)
        )
        metrics = guarded.simulate_get("/metrics").text
        assert 'roost_rows_predicted_total{model="echo"' not in metrics


class TestKeylessPaths:
    """Liveness, readiness and metrics answer without a key, unless configured."""

    @pytest.mark.parametrize("path", KEYLESS_PATHS)
    def test_probes_and_metrics_need_no_key(self, guarded: Client, path: str) -> None:
        """Each default keyless path answers without a key."""
        result = guarded.simulate_get(path)
        assert result.status_code in (200, 503), result.text  # 503: fixtures not ready

    def test_a_trailing_slash_is_the_same_path(self, guarded: Client) -> None:
        """/health/ is /health, and needs no key either."""
        assert guarded.simulate_get("/health/").status_code == 200

    def test_the_list_is_configurable(
        self, testing_settings: Settings, keys: Keys
    ) -> None:
        """Listed paths are keyless, `/prefix/*` a subtree; the rest need keys."""
        client = _client(
            testing_settings,
            keys,
            api_keys_exempt=("/health", "/docs", "/docs/*", "/openapi.json"),
        )
        assert client.simulate_get("/health").status_code == 200
        assert client.simulate_get("/docs").status_code == 200
        assert client.simulate_get("/docs/init.js").status_code == 200
        assert client.simulate_get("/openapi.json").status_code == 200
        assert client.simulate_get("/metrics").status_code == 401
        assert client.simulate_get("/v2/health/live").status_code == 401
        assert client.simulate_get("/docsx").status_code == 401

    def test_an_empty_list_guards_every_path(
        self, testing_settings: Settings, keys: Keys
    ) -> None:
        """With no keyless paths even liveness needs a key."""
        client = _client(testing_settings, keys, api_keys_exempt=())
        assert client.simulate_get("/health").status_code == 401
        assert (
            client.simulate_get("/health", headers=_bearer(keys.echo)).status_code
            == 200
        )


class TestSwitch:
    """Keys are off without a key file; a configured file must be readable."""

    def test_off_when_no_key_file_is_set(self, client: Client) -> None:
        """Without ROOST_API_KEYS_FILE every route answers without a key."""
        assert (
            client.simulate_post("/v1/models/echo/predict", json=[{"x": 1}]).status_code
            == 200
        )

    def test_an_empty_key_file_refuses_every_key(
        self, testing_settings: Settings, tmp_path: Path
    ) -> None:
        """A key file with no keys locks every guarded route."""
        path = tmp_path / "empty.jsonl"
        path.write_text("")
        client = Client(create_app(testing_settings, api_keys_file=path))
        assert (
            client.simulate_get("/v1/models", headers=_bearer("roost_x")).status_code
            == 401
        )
        assert client.simulate_get("/health").status_code == 200

    def test_a_missing_key_file_stops_the_app(
        self, testing_settings: Settings, tmp_path: Path
    ) -> None:
        """A configured file that does not exist fails at start, not per request."""
        with pytest.raises(ValueError, match="does not exist"):
            create_app(testing_settings, api_keys_file=tmp_path / "nope.jsonl")

    def test_the_file_is_read_when_the_app_is_built(
        self, testing_settings: Settings, keys: Keys
    ) -> None:
        """Keys added later count only in apps built later (a reload)."""
        before = _client(testing_settings, keys)
        late = add_key(keys.path, "late", ["*"])[1]
        after = _client(testing_settings, keys)
        assert (
            before.simulate_get("/v1/models", headers=_bearer(late)).status_code == 401
        )
        assert (
            after.simulate_get("/v1/models", headers=_bearer(late)).status_code == 200
        )
