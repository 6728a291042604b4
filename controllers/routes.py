"""The route table: every URL roost serves, in one place."""

from __future__ import annotations

from collections.abc import Callable

import falcon

from roost.controllers.docs import add_docs_routes
from roost.controllers.health import (
    HealthResource,
    MetricsResource,
    ReadinessResource,
    VersionResource,
)
from roost.controllers.models import (
    ModelsResource,
    PredictResource,
    RegressionCompatResource,
)
from roost.controllers.v2 import add_v2_routes
from roost.core.security.keyless import KeylessPaths
from roost.core.serving.dataplane import DataPlane

__all__ = ["REGRESSION_ROUTE", "add_routes", "bound_models"]

#: The route that predicts with a model its path does not name.
REGRESSION_ROUTE = "/v1/predict/regression"


def add_routes(
    app: falcon.App[falcon.Request, falcon.Response],
    dataplane: DataPlane,
    api_version: str,
    *,
    keyless: KeylessPaths | None = None,
) -> None:
    """Attach every resource to its URL.

    `keyless`: with API keys on, the paths that need none (for the OpenAPI
    document); None when keys are off.

    NOTE: `{name}` in a route always names a model: API keys are checked
    against it (`roost.controllers.auth`).
    """
    models = ModelsResource(dataplane)
    predict = PredictResource(dataplane)
    app.add_route("/health", HealthResource())
    app.add_route("/health/ready", ReadinessResource(dataplane))
    app.add_route("/metrics", MetricsResource(dataplane))
    app.add_route("/version", VersionResource(dataplane, api_version))
    app.add_route(REGRESSION_ROUTE, RegressionCompatResource(dataplane))
    app.add_route("/v1/models", models)
    app.add_route("/v1/models/{name}", models, suffix="item")
    app.add_route("/v1/models/{name}/predict", predict)
    app.add_route(
        "/v1/models/{name}/versions/{version}/predict", predict, suffix="version"
    )
    add_v2_routes(app, dataplane)
    add_docs_routes(app, dataplane, api_version, keyless=keyless)


def bound_models(dataplane: DataPlane) -> dict[str, Callable[[], str | None]]:
    """Name, per route template, the model a route serves without naming it."""
    return {REGRESSION_ROUTE: dataplane.regression_model_or_none}
