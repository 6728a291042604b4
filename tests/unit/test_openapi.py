"""Tests for roost.core.api.openapi and the /openapi.json, /docs and / routes."""

from __future__ import annotations

from typing import Any

import falcon
import falcon.testing
import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from roost.controllers.docs import DocsResource, StaticAssetResource
from roost.core.api.openapi import OPENAPI_VERSION, build_document
from roost.core.runtime.settings import Settings
from roost.core.serving.dataplane import build_dataplane
from roost_house_prices.schema import INPUT_SCHEMA

#: Test adapters that load: each gets predict routes.
READY = ("echo", "fails-predict", "parity", "sleepy")
V1 = (
    "/health",
    "/version",
    "/v1/predict/regression",
    "/v1/models",
    "/v1/models/{name}",
)
V2 = (
    "/v2",
    "/v2/health/live",
    "/v2/health/ready",
    "/v2/models",
    "/v2/models/{name}",
    "/v2/models/{name}/ready",
    "/v2/models/{name}/infer",
    "/v2/models/{name}/versions/{version}",
    "/v2/models/{name}/versions/{version}/ready",
    "/v2/models/{name}/versions/{version}/infer",
    "/v2/repository/index",
)


@pytest.fixture
def document(client: falcon.testing.TestClient) -> dict[str, Any]:
    """The document served by an app of the test adapters."""
    return client.simulate_get("/openapi.json").json


@pytest.fixture(scope="session")
def house_document(house_prices_client: falcon.testing.TestClient) -> dict[str, Any]:
    """The document served by an app of the house-prices adapter."""
    return house_prices_client.simulate_get("/openapi.json").json


def body_schema(document: dict[str, Any], path: str) -> dict[str, Any]:
    """Return the request body schema of a POST route."""
    content = document["paths"][path]["post"]["requestBody"]["content"]
    return content["application/json"]["schema"]


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """Follow one local `$ref`."""
    if "$ref" not in schema:
        return schema
    return document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]


def record_of(document: dict[str, Any], path: str) -> dict[str, Any]:
    """Return the record schema a predict route takes."""
    return resolve(document, body_schema(document, path)["anyOf"][0]["items"])


class TestDocument:
    """The document describes every route and every ready adapter."""

    def test_document_is_valid_openapi_31(self, document: dict[str, Any]) -> None:
        """openapi-spec-validator accepts the document as OpenAPI 3.1."""
        assert document["openapi"] == OPENAPI_VERSION
        validate(document)

    def test_house_prices_document_is_valid(
        self, house_document: dict[str, Any]
    ) -> None:
        """The house-prices document validates too."""
        validate(house_document)

    def test_fixed_routes_are_described(self, document: dict[str, Any]) -> None:
        """Service, v1 and V2 routes are all present; /metrics is not yet."""
        assert set(V1 + V2) <= set(document["paths"])
        assert "/metrics" not in document["paths"]

    @pytest.mark.parametrize("name", READY)
    def test_each_ready_adapter_has_a_predict_route(
        self, document: dict[str, Any], name: str
    ) -> None:
        """A loaded adapter gets a concrete route typed by its own schema."""
        path = f"/v1/models/{name}/predict"
        assert path in document["paths"]
        assert record_of(document, path)["title"].startswith(f"{name} ")

    def test_adapters_that_failed_get_no_predict_route(
        self, document: dict[str, Any]
    ) -> None:
        """Adapters that failed to import or load are described only by name."""
        predicts = [path for path in document["paths"] if path.endswith("/predict")]
        assert not [
            path for path in predicts if "broken-import" in path or "fails-load" in path
        ]
        name = document["paths"]["/v1/models/{name}"]["get"]["parameters"][0]
        assert {"broken-import", "fails-load", *READY} == set(name["schema"]["enum"])

    def test_version_route_enumerates_installed_versions(
        self, document: dict[str, Any]
    ) -> None:
        """A single-version adapter's version parameter is an enum of it."""
        operation = document["paths"]["/v1/models/parity/versions/{version}/predict"][
            "post"
        ]
        version = next(p for p in operation["parameters"] if p["name"] == "version")
        assert version["in"] == "path"
        assert version["schema"]["enum"] == ["0.3"]

    def test_versions_with_different_records_get_their_own_routes(
        self, document: dict[str, Any]
    ) -> None:
        """The two echo versions take different records, so each has a route."""
        paths = document["paths"]
        assert "/v1/models/echo/versions/{version}/predict" not in paths
        assert set(
            record_of(document, "/v1/models/echo/versions/1.0/predict")["properties"]
        ) == {"x", "label", "count"}
        assert set(
            record_of(document, "/v1/models/echo/versions/2.0/predict")["properties"]
        ) == {"x"}
        assert (
            record_of(document, "/v1/models/echo/predict")["title"] == "echo 2.0 record"
        )

    def test_record_fields_carry_types_enums_and_nulls(
        self, document: dict[str, Any]
    ) -> None:
        """The fields of echo 1.0 keep their type, bounds, enum and nullability."""
        fields = record_of(document, "/v1/models/echo/versions/1.0/predict")[
            "properties"
        ]
        assert fields["label"] == {"type": ["string", "null"], "enum": ["a", "b", None]}
        assert fields["x"]["anyOf"][0] == {
            "type": "number",
            "minimum": -1e6,
            "maximum": 1e6,
        }
        assert fields["count"]["anyOf"][0]["type"] == "integer"

    def test_body_takes_a_list_or_an_inputs_envelope(
        self, document: dict[str, Any]
    ) -> None:
        """A predict body is a non-empty list of records or {"inputs": [...]}."""
        records, envelope = body_schema(document, "/v1/models/parity/predict")["anyOf"]
        assert records["type"] == "array"
        assert records["minItems"] == 1
        assert envelope["required"] == ["inputs"]
        assert envelope["additionalProperties"] is False

    def test_predict_routes_document_partial_and_errors(
        self, document: dict[str, Any]
    ) -> None:
        """Predict routes take `partial` and list the shared error responses."""
        operation = document["paths"]["/v1/models/parity/predict"]["post"]
        partial = next(p for p in operation["parameters"] if p["name"] == "partial")
        assert partial["in"] == "query"
        assert partial["schema"]["type"] == "boolean"
        for status in ("400", "404", "422", "503"):
            reference = operation["responses"][status]["$ref"]
            shared = document["components"]["responses"][reference.rsplit("/", 1)[1]]
            assert shared["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/Error"
            }

    def test_every_operation_documents_gunicorns_414(
        self, document: dict[str, Any]
    ) -> None:
        """A request line over 8190 bytes is a 414 on any route, as gunicorn says."""
        operations = [
            operation
            for item in document["paths"].values()
            for method, operation in item.items()
            if method in {"get", "post"}
        ]
        assert len(operations) > 10
        for operation in operations:
            assert "over 8190 bytes" in operation["responses"]["414"]["description"]

    def test_error_schema_matches_the_error_body(
        self, client: falcon.testing.TestClient, document: dict[str, Any]
    ) -> None:
        """A real 422 body has the keys the Error component names."""
        body = client.simulate_post(
            "/v1/models/parity/predict", json=[{"n": "odd"}]
        ).json
        error = document["components"]["schemas"]["Error"]
        assert set(error["required"]) <= set(body) <= set(error["properties"])

    def test_v2_model_list_is_described_as_names(
        self, client: falcon.testing.TestClient, document: dict[str, Any]
    ) -> None:
        """GET /v2/models is documented as a list of names, and answers one."""
        response = document["paths"]["/v2/models"]["get"]["responses"]["200"]
        schema = resolve(document, response["content"]["application/json"]["schema"])
        assert schema["required"] == ["models"]
        assert schema["properties"]["models"] == {
            "type": "array",
            "items": {"type": "string"},
        }
        body = client.simulate_get("/v2/models").json
        Draft202012Validator(schema).validate(body)

    def test_outputs_are_typed_by_their_declaration(
        self, document: dict[str, Any]
    ) -> None:
        """Each declared output is a key: numbers, label enums, probabilities."""

        def properties(name: str) -> dict[str, Any]:
            response = document["paths"][f"/v1/models/{name}/predict"]["post"][
                "responses"
            ]["200"]
            schema = response["content"]["application/json"]["schema"]
            return dict(schema["properties"])

        assert properties("echo")["predictions"]["items"] == {
            "type": ["number", "null"]
        }
        parity = properties("parity")
        assert parity["predictions"]["items"] == {"enum": ["even", "odd", None]}
        row = parity["probabilities"]["items"]["anyOf"][0]
        assert row["required"] == ["even", "odd"]
        assert row["additionalProperties"] is False

    def test_outputs_parameter_lists_the_declared_outputs(
        self, document: dict[str, Any]
    ) -> None:
        """`?outputs=` may name exactly the model's declared outputs."""
        parameters = document["paths"]["/v1/models/parity/predict"]["post"][
            "parameters"
        ]
        outputs = next(p for p in parameters if p["name"] == "outputs")
        assert outputs["schema"]["items"] == {"enum": ["predictions", "probabilities"]}

    def test_house_prices_record_has_all_24_fields(
        self, house_document: dict[str, Any]
    ) -> None:
        """The house-prices route takes its 24 fields, required ones listed."""
        record = record_of(house_document, "/v1/models/house-prices/predict")
        assert list(record["properties"]) == list(INPUT_SCHEMA)
        assert len(record["properties"]) == 24
        assert set(record["required"]) == {
            name for name, rules in INPUT_SCHEMA.items() if rules["required"]
        }
        assert record["additionalProperties"] is True

    def test_house_prices_labels_are_enums(
        self, house_document: dict[str, Any]
    ) -> None:
        """Categorical inputs are enums; nullable ones admit null."""
        fields = record_of(house_document, "/v1/models/house-prices/predict")[
            "properties"
        ]
        assert fields["MSZoning"]["enum"] == ["C (all)", "FV", "RH", "RL", "RM"]
        assert fields["FireplaceQu"]["type"] == ["string", "null"]
        assert fields["FireplaceQu"]["enum"][-1] is None
        assert fields["OverallQual"]["anyOf"][0] == {
            "type": "integer",
            "minimum": 1,
            "maximum": 10,
        }

    def test_regression_route_takes_the_default_regression_records(
        self, house_document: dict[str, Any]
    ) -> None:
        """The regression route takes a plain list of house-prices records."""
        schema = body_schema(house_document, "/v1/predict/regression")
        assert schema["type"] == "array"
        assert (
            resolve(house_document, schema["items"])["title"]
            == "house-prices 1.0.0 record"
        )

    def test_building_twice_gives_the_same_document(
        self, testing_settings: Settings
    ) -> None:
        """The document depends only on what is installed (stable output)."""
        service = build_dataplane(testing_settings)
        first = build_document(service.registry, "1.0", limits=service.limits)
        assert build_document(service.registry, "1.0", limits=service.limits) == first


class TestDocsRoutes:
    """The document, the docs page, its assets and the landing page."""

    def test_document_is_built_once_per_app(
        self, client: falcon.testing.TestClient
    ) -> None:
        """Every request gets the same cached bytes."""
        first = client.simulate_get("/openapi.json")
        second = client.simulate_get("/openapi.json")
        assert first.headers["content-type"].startswith("application/json")
        assert first.content == second.content

    def test_docs_page_loads_only_roosts_own_assets(
        self, client: falcon.testing.TestClient
    ) -> None:
        """The page's scripts and styles all come from /docs, under a strict CSP."""
        page = client.simulate_get("/docs")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert "default-src 'none'" in page.headers["content-security-policy"]
        assert "http" not in page.text
        assert 'src="/docs/static/swagger-ui-bundle.js"' in page.text
        assert 'src="/docs/init.js"' in page.text

    def test_init_script_points_at_the_document(
        self, client: falcon.testing.TestClient
    ) -> None:
        """The start-up script loads /openapi.json and turns the validator off."""
        script = client.simulate_get("/docs/init.js")
        assert script.headers["content-type"].startswith("text/javascript")
        assert '"url": "/openapi.json"' in script.text
        assert '"validatorUrl": null' in script.text

    @pytest.mark.parametrize(
        ("name", "content_type"),
        [
            ("swagger-ui-bundle.js", "text/javascript"),
            ("swagger-ui.css", "text/css"),
            ("favicon-32x32.png", "image/png"),
        ],
    )
    def test_assets_are_served_with_their_type(
        self, client: falcon.testing.TestClient, name: str, content_type: str
    ) -> None:
        """Whitelisted assets come back with the right content type."""
        response = client.simulate_get(f"/docs/static/{name}")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(content_type)
        assert response.headers["x-content-type-options"] == "nosniff"
        assert len(response.content) > 100

    @pytest.mark.parametrize(
        "path",
        [
            "/docs/static/index.html",
            "/docs/static/swagger-initializer.js",
            "/docs/static/..%2F__init__.py",
            "/docs/static/%2e%2e%2f%2e%2e%2fpyproject.toml",
            "/docs/static/../../openapi.json",
            "/docs/static/",
            "/docs/static/swagger-ui.css%00.png",
        ],
    )
    def test_other_names_are_not_served(
        self, client: falcon.testing.TestClient, path: str
    ) -> None:
        """Only whitelisted names are served: no other file, no traversal."""
        response = client.simulate_get(path)
        assert response.status_code == 404
        assert response.json["title"]

    def test_landing_page_links_the_main_routes(
        self, client: falcon.testing.TestClient
    ) -> None:
        """/ is a short HTML page linking the docs and the main routes."""
        page = client.simulate_get("/")
        assert page.headers["content-type"].startswith("text/html")
        for href in ("/docs", "/v1/models", "/health", "/openapi.json", "/v2"):
            assert f'href="{href}"' in page.text
            assert client.simulate_get(href).status_code == 200

    def test_missing_swagger_ui_gives_a_503_page(self) -> None:
        """Without the Swagger UI package, /docs says why and serves no asset."""
        app = falcon.App()
        app.add_route("/docs", DocsResource(None, "Swagger UI is not installed"))
        app.add_route("/docs/static/{file}", StaticAssetResource(None))
        client = falcon.testing.TestClient(app)
        page = client.simulate_get("/docs")
        assert page.status_code == 503
        assert "Swagger UI is not installed" in page.text
        assert client.simulate_get("/docs/static/swagger-ui.css").status_code == 404
