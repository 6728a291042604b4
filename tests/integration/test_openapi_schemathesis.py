"""Property-based checks of roost against its own OpenAPI document, over real gunicorn.

Schemathesis generates valid and invalid requests from the document and
checks every answer: no 5xx, documented statuses, content types and bodies,
invalid data refused and valid data taken. The document is built in this
process at collection time (schemathesis needs it then; its lazy fixture
loader does not work with pytest 9), and a first test proves that the
running server publishes exactly that document.

Some behaviours are documented but not expressible in the schemas, so the
matching check is skipped for just those cases:

- with `?partial=true`, and always on the regression route, invalid records are
  answered 200 with per-record errors (negative data is not refused); and
  `partial` takes Falcon's other boolean spellings (y, no, off...) as well;
- a version may be named by another PEP 440 spelling ("1" for "1.0.0");
- the echo adapter refuses x == 13 by its own rule (a 422 for valid data);
- the test adapters include ones that fail to load, so the readiness probes
  rightly answer 503.
"""

from __future__ import annotations

import importlib.metadata
import tempfile
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from falcon.constants import FALSE_STRINGS, TRUE_STRINGS
from hypothesis import HealthCheck, settings
from packaging.version import InvalidVersion, Version
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    positive_data_acceptance,
)
from server_harness import RunningServer

from roost.core.api.openapi import build_document
from roost.core.contract.registry import Registry
from roost.core.serving.dataplane import DataPlane

pytestmark = pytest.mark.integration

#: Fuzzed examples per operation (the coverage phase adds its own cases).
EXAMPLES = settings(
    max_examples=25, deadline=None, suppress_health_check=list(HealthCheck)
)
REGRESSION_ROUTE = "/v1/predict/regression"
READINESS = ("/health/ready", "/v2/health/ready")
#: Test adapters that crash or sleep on purpose: 5xx is their point.
MISBEHAVING = r"/(fails-predict|sleepy)/"
#: Statuses that count as refusing invalid data: schemathesis's list plus 413,
#: roost's answer to more records than ROOST_MAX_RECORDS (the doc's maxItems),
#: and 414, gunicorn's to a request line over its limit (a huge query).
REFUSALS = ["400", "401", "403", "404", "405", "406", "409", "413", "414", "415", "422"]


def _document(
    namespace: str, *, assume_loaded: bool = False, default_model: str | None = None
) -> dict[str, Any]:
    """Build the document a server of `namespace` publishes once it has loaded.

    With `assume_loaded`, adapters are taken as loaded without their trained
    artifacts (house-prices has none at collection time); otherwise they load.
    """
    registry = Registry.discover(namespace, Path(tempfile.gettempdir()) / "no-models")
    if assume_loaded:
        for entry in registry.entries():
            entry.loaded = entry.adapter is not None and entry.error is None
    else:
        registry.load_all()
    dataplane = DataPlane(registry, default_model=default_model)
    return build_document(
        registry,
        importlib.metadata.version("roost"),
        default_regression=dataplane.regression_model(),
        limits=dataplane.limits,
    )


def _schema(document: dict[str, Any], *, coverage: bool) -> Any:
    """Load a document for schemathesis, with or without the coverage phase."""
    config = SchemathesisConfig.from_dict(
        {
            "checks": {"negative_data_rejection": {"expected-statuses": REFUSALS}},
            "phases": {"coverage": {"enabled": coverage}},
        }
    )
    return schemathesis.openapi.from_dict(document, config=config)


TESTING_DOCUMENT = _document("roost.adapters.testing", default_model="echo")
HOUSE_PRICES_DOCUMENT = _document("roost.adapters", assume_loaded=True)
#: The test adapters' schemas are small, so every phase runs.
testing = _schema(TESTING_DOCUMENT, coverage=True)
#: Service and v1 routes of the adapters that neither crash nor sleep on purpose.
testing_v1 = testing.include(path_regex=r"^/(health|version|v1/)").exclude(
    path_regex=MISBEHAVING
)
#: House-prices is fuzzed only: the coverage phase takes minutes on 24 fields.
house_prices = _schema(HOUSE_PRICES_DOCUMENT, coverage=False)


def _lenient_partial(case: schemathesis.Case) -> bool:
    """Say whether `partial` is on, or spelled in a way Falcon reads as boolean."""
    value = (case.query or {}).get("partial")
    if value in (None, False, "false"):
        return False
    return value is True or value == "" or str(value) in TRUE_STRINGS | FALSE_STRINGS


def _equal_version(case: schemathesis.Case, response: Any) -> bool:
    """Say whether the version was another PEP 440 spelling of the one served."""
    named = (case.path_parameters or {}).get("version")
    if named is None or response.status_code != 200:
        return False
    try:
        return Version(str(named)) == Version(response.json()["version"])
    except (InvalidVersion, ValueError, KeyError, TypeError):
        return False


def _check(case: schemathesis.Case, server: RunningServer) -> None:
    """Call the server and run every check that the case's route allows."""
    response = case.call(base_url=server.base_url, session=server.session)
    excluded = []
    if (
        case.operation.path == REGRESSION_ROUTE
        or _lenient_partial(case)
        or _equal_version(case, response)
    ):
        excluded.append(negative_data_rejection)
    if response.status_code == 422 and "x must not be 13" in response.text:
        excluded.append(positive_data_acceptance)
    if case.operation.path in READINESS and response.status_code == 503:
        assert response.json()["ready"] is False
        excluded.append(not_a_server_error)
    case.validate_response(response, excluded_checks=excluded)


class TestTestAdapters:
    """The test adapters' routes answer as their document says."""

    def test_server_publishes_this_document(
        self, testing_server: RunningServer
    ) -> None:
        """The running server serves the document the cases come from."""
        assert testing_server.get("/openapi.json").json() == TESTING_DOCUMENT

    @testing_v1.parametrize()
    @EXAMPLES
    def test_v1_routes_conform(
        self, case: schemathesis.Case, testing_server: RunningServer
    ) -> None:
        """Service and v1 routes: no 5xx, statuses and bodies as documented."""
        _check(case, testing_server)


class TestHousePrices:
    """The house-prices routes, V2 included, answer as documented."""

    def test_server_publishes_this_document(
        self, house_prices_server: RunningServer
    ) -> None:
        """The running server serves the document the cases come from."""
        assert house_prices_server.get("/openapi.json").json() == HOUSE_PRICES_DOCUMENT

    @house_prices.parametrize()
    @EXAMPLES
    def test_every_route_conforms(
        self, case: schemathesis.Case, house_prices_server: RunningServer
    ) -> None:
        """Every documented route: no 5xx, statuses and bodies as documented."""
        _check(case, house_prices_server)
