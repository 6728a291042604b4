"""Tests for roost.core.api.openapi_security: API keys in the OpenAPI document."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import falcon.testing
import pytest
from openapi_spec_validator import validate

from roost.controllers.app import create_app
from roost.core.runtime.settings import Settings
from roost.core.security.key_file import add_key

Client = falcon.testing.TestClient
METHODS = ("get", "put", "post", "delete", "options", "head", "patch")
#: The schemes roost accepts, as the README's "API keys" section states them.
SCHEMES = {
    "bearerKey": {"type": "http", "scheme": "bearer"},
    "apiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
}
#: The default keyless paths the document describes.
OPEN_PATHS = {"/health", "/health/ready", "/v2/health/live", "/v2/health/ready"}
OPEN_DOCS = ("/health", "/docs", "/docs/*", "/openapi.json")


@pytest.fixture
def key_file(tmp_path: Path) -> tuple[Path, str]:
    """A key file holding one key for every model, and that key."""
    path = tmp_path / "keys" / "api-keys.jsonl"
    return path, add_key(path, "everything", ["*"])[1]


def keyed_client(
    settings: Settings, key_file: tuple[Path, str], **changes: object
) -> Client:
    """An in-process client of an app needing keys, sending none by itself."""
    return Client(create_app(settings, api_keys_file=key_file[0], **changes))


def operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """Every operation of the document, by (path, method)."""
    return {
        (path, method): item[method]
        for path, item in document["paths"].items()
        for method in METHODS
        if method in item
    }


@pytest.fixture
def keyed_document(
    testing_settings: Settings, key_file: tuple[Path, str]
) -> dict[str, Any]:
    """The document an app needing keys serves, fetched with a key."""
    client = keyed_client(testing_settings, key_file)
    headers = {"Authorization": f"Bearer {key_file[1]}"}
    result = client.simulate_get("/openapi.json", headers=headers)
    assert result.status_code == 200, result.text
    return result.json


class TestDeclaredSchemes:
    """With keys on, the document declares how a key is presented."""

    def test_document_with_keys_is_valid_openapi_31(
        self, keyed_document: dict[str, Any]
    ) -> None:
        """openapi-spec-validator accepts the document with its security schemes."""
        validate(keyed_document)

    def test_both_headers_are_declared(self, keyed_document: dict[str, Any]) -> None:
        """A bearer token and the X-API-Key header: the two ways roost reads."""
        schemes = keyed_document["components"]["securitySchemes"]
        assert {
            name: {k: v for k, v in scheme.items() if k != "description"}
            for name, scheme in schemes.items()
        } == SCHEMES

    def test_keyed_routes_take_either_scheme(
        self, keyed_document: dict[str, Any]
    ) -> None:
        """Every route outside the keyless paths needs one of the two schemes."""
        keyed = {
            where: op
            for where, op in operations(keyed_document).items()
            if where[0] not in OPEN_PATHS
        }
        assert ("/v1/models/echo/predict", "post") in keyed
        assert ("/v2/models/{name}/infer", "post") in keyed
        for where, op in keyed.items():
            assert op["security"] == [{"bearerKey": []}, {"apiKeyHeader": []}], where
            assert op["responses"]["401"] == {
                "$ref": "#/components/responses/Unauthorized"
            }, where

    def test_keyless_routes_declare_no_key(
        self, keyed_document: dict[str, Any]
    ) -> None:
        """Liveness and readiness answer without a key: no security, no 401."""
        described = {path for path, _ in operations(keyed_document)}
        assert described >= OPEN_PATHS
        assert "security" not in keyed_document
        for (path, method), op in operations(keyed_document).items():
            if path in OPEN_PATHS:
                assert "security" not in op, (path, method)
                assert "401" not in op["responses"], (path, method)

    def test_only_model_routes_can_be_forbidden(
        self, keyed_document: dict[str, Any]
    ) -> None:
        """403 is declared where a key must cover the model, nowhere else."""
        forbidden = {
            path
            for (path, _), op in operations(keyed_document).items()
            if "403" in op["responses"]
        }
        assert {
            "/v1/models/{name}",
            "/v1/models/echo/predict",
            "/v1/predict/regression",
            "/v2/models/{name}/ready",
        } <= forbidden
        assert not forbidden & {"/v1/models", "/v2/models", "/version", "/v2"}
        responses = keyed_document["components"]["responses"]
        assert responses["Forbidden"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"
        }

    def test_configured_keyless_paths_are_left_open(
        self, testing_settings: Settings, key_file: tuple[Path, str]
    ) -> None:
        """`/v2/*` in the exempt list: no V2 route declares a key, v1 routes do."""
        client = keyed_client(
            testing_settings, key_file, api_keys_exempt=("/v2", "/v2/*")
        )
        headers = {"X-API-Key": key_file[1]}
        document = client.simulate_get("/openapi.json", headers=headers).json
        validate(document)
        for (path, method), op in operations(document).items():
            assert ("security" in op) is not path.startswith("/v2"), (path, method)

    def test_without_keys_nothing_is_declared(self, client: Client) -> None:
        """Keys off: no security schemes, no operation needing one."""
        document = client.simulate_get("/openapi.json").json
        assert "securitySchemes" not in document["components"]
        assert "Unauthorized" not in document["components"]["responses"]
        for where, op in operations(document).items():
            assert "security" not in op, where
            assert "401" not in op["responses"], where


class TestDocsWithKeys:
    """/docs with keys on: keyed unless exempted; exempted, it offers the schemes."""

    def test_docs_need_a_key_by_default(
        self, testing_settings: Settings, key_file: tuple[Path, str]
    ) -> None:
        """By default the page and the document answer 401, as any keyed route."""
        client = keyed_client(testing_settings, key_file)
        for path in ("/docs", "/docs/init.js", "/openapi.json"):
            result = client.simulate_get(path)
            assert result.status_code == 401, path
            assert result.headers["WWW-Authenticate"].startswith("Bearer"), path
        headers = {"X-API-Key": key_file[1]}
        assert client.simulate_get("/docs", headers=headers).status_code == 200

    def test_exempted_docs_show_the_schemes_without_a_key(
        self, testing_settings: Settings, key_file: tuple[Path, str]
    ) -> None:
        """Docs exempted: page, script and document load keyless, schemes declared."""
        client = keyed_client(testing_settings, key_file, api_keys_exempt=OPEN_DOCS)
        assert client.simulate_get("/docs").status_code == 200
        assert client.simulate_get("/docs/init.js").status_code == 200
        document = client.simulate_get("/openapi.json").json
        assert set(document["components"]["securitySchemes"]) == set(SCHEMES)
        predict = document["paths"]["/v1/models/echo/predict"]["post"]
        assert predict["security"] == [{"bearerKey": []}, {"apiKeyHeader": []}]
        refused = client.simulate_post("/v1/models/echo/predict", json=[{"x": 1}])
        assert refused.status_code == 401
