"""Property-based checks of the V2 routes against the canonical OpenAPI spec."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
import yaml
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    positive_data_acceptance,
    status_code_conformance,
)
from server_harness import RunningServer

pytestmark = pytest.mark.integration

#: The canonical spec, copied verbatim beside the tests (see tests/specs/SOURCES.md).
SPEC = Path(__file__).parent.parent / "specs" / "open_inference_rest.yaml"
INFER = "/v2/models/{MODEL_NAME}/versions/{MODEL_VERSION}/infer"
METADATA = "/v2/models/{MODEL_NAME}/versions/{MODEL_VERSION}"
EXAMPLES = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
#: Checks left out everywhere, each conflicting with the spec's loose wording:
EXCLUDED = [
    # The YAML documents only 200 (and 400 for some routes); the prose says an
    # error is "typically 400", and roost answers 404 for unknown models, 422
    # for schema-invalid values and 503 for models that failed to load.
    status_code_conformance,
    # The request schema cannot say which tensors a model takes, so a
    # schema-valid body (e.g. `"inputs": []`) can rightly be a 400.
    positive_data_acceptance,
]


def _load_spec() -> dict[str, Any]:
    """Load the spec; its `${NAME}` path templates become OpenAPI's `{NAME}`."""
    assert SPEC is not None
    raw = yaml.safe_load(SPEC.read_text())
    raw["paths"] = {
        path.replace("${", "{"): item for path, item in raw["paths"].items()
    }
    return raw


#: Generated model names and versions: nearly all unknown.
any_model = schemathesis.openapi.from_dict(_load_spec())
#: Every path pinned to echo 1.0, a ready model, so bodies reach the codec.
echo = schemathesis.openapi.from_dict(_load_spec())
echo.config.update(parameters={"path.MODEL_NAME": "echo", "path.MODEL_VERSION": "1.0"})


def _call_and_check(case: schemathesis.Case, server: RunningServer) -> Any:
    response = case.call(base_url=server.base_url)
    excluded = list(EXCLUDED)
    if case.operation.path == "/v2/health/ready" and response.status_code == 503:
        # The test adapters include ones that fail to load, so the server is
        # not ready: 503 is the probe's intended answer here, not a crash.
        excluded.append(not_a_server_error)
        assert response.json()["ready"] is False
    case.validate_response(response, excluded_checks=excluded)
    if response.status_code >= 400:
        assert isinstance(response.json()["error"], str)
    return response


@any_model.parametrize()
@EXAMPLES
def test_any_model(case: schemathesis.Case, testing_server: RunningServer) -> None:
    """Generated requests get no 5xx, and bodies that match the spec."""
    _call_and_check(case, testing_server)


@echo.parametrize()
@EXAMPLES
def test_echo(case: schemathesis.Case, testing_server: RunningServer) -> None:
    """Generated requests to a ready model get no 5xx, and valid bodies."""
    _call_and_check(case, testing_server)


class TestSuccessfulBodies:
    """Hand-made successful requests: their responses match the spec too."""

    def test_inference_response(self, testing_server: RunningServer) -> None:
        """A valid echo inference answers 200 with a conforming body."""
        case = echo[INFER]["POST"].Case(
            path_parameters={"MODEL_NAME": "echo", "MODEL_VERSION": "1.0"},
            body={
                "id": "1",
                "inputs": [
                    {"name": "x", "shape": [2], "datatype": "FP64", "data": [1, 2]}
                ],
                "outputs": [{"name": "predictions"}],
            },
        )
        response = _call_and_check(case, testing_server)
        assert response.status_code == 200
        assert response.json()["outputs"][0]["data"] == [1.0, 2.0]

    def test_classifier_metadata(self, testing_server: RunningServer) -> None:
        """The classifier's metadata answers 200 with a conforming body."""
        case = echo[METADATA]["GET"].Case(
            path_parameters={"MODEL_NAME": "parity", "MODEL_VERSION": "0.3"}
        )
        assert _call_and_check(case, testing_server).status_code == 200
