"""Model resources: list, describe and predict (v1 and the compatibility route)."""

from __future__ import annotations

import falcon

from roost.controllers.bodies import read_json_bytes, requested_outputs, wants_partial
from roost.controllers.model_headers import name_the_model
from roost.core.serving.dataplane import DataPlane
from roost.core.serving.traffic import ROUTING_KEY_HEADER
from roost.views.models import (
    render_model,
    render_model_summary,
    render_models,
    render_prediction,
    render_regression_compat,
)

__all__ = ["ModelsResource", "PredictResource", "RegressionCompatResource"]


class ModelsResource:
    """`GET /v1/models` and `GET /v1/models/{name}`."""

    def __init__(self, dataplane: DataPlane) -> None:
        self._registry = dataplane.registry

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """List every installed adapter with its default version."""
        resp.media = render_models(
            render_model_summary(
                self._registry.listed(name), self._registry.versions(name)
            )
            for name in self._registry.names()
        )

    def on_get_item(
        self, req: falcon.Request, resp: falcon.Response, name: str
    ) -> None:
        """Describe one adapter, including its input schema."""
        resp.media = render_model(
            self._registry.lookup(name), self._registry.versions(name)
        )


class PredictResource:
    """`POST /v1/models/{name}[/versions/{version}]/predict`."""

    def __init__(self, dataplane: DataPlane) -> None:
        self._dataplane = dataplane

    def on_post(self, req: falcon.Request, resp: falcon.Response, name: str) -> None:
        """Predict with the default version of `name`."""
        self._predict(req, resp, name, None)

    def on_post_version(
        self, req: falcon.Request, resp: falcon.Response, name: str, version: str
    ) -> None:
        """Predict with a pinned version."""
        self._predict(req, resp, name, version)

    def _predict(
        self, req: falcon.Request, resp: falcon.Response, name: str, version: str | None
    ) -> None:
        partial = wants_partial(req)
        outputs = requested_outputs(req)
        version = self._dataplane.route(
            name, version, req.get_header(ROUTING_KEY_HEADER)
        )
        raw = read_json_bytes(req, self._dataplane.limits)
        batch = self._dataplane.decode_records(raw, name, version)
        if name in self._dataplane.registry:  # a metrics label: known names only
            req.context.model = name
        result = self._dataplane.predict(
            name, batch, version, partial=partial, outputs=outputs
        )
        name_the_model(req, resp, result.name, result.version)
        resp.media = render_prediction(result, partial=partial)


class RegressionCompatResource:
    """`POST /v1/predict/regression`: the original tutorial API's route, kept."""

    def __init__(self, dataplane: DataPlane) -> None:
        self._dataplane = dataplane

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Predict valid rows; list invalid ones under `errors` (status 200)."""
        raw = read_json_bytes(req, self._dataplane.limits)
        dataplane = self._dataplane
        name = dataplane.regression_model_or_none()
        version = (
            None
            if name is None
            else dataplane.route(name, None, req.get_header(ROUTING_KEY_HEADER))
        )
        batch = dataplane.decode_records(raw, name, version, allow_envelope=False)
        name = req.context.model = dataplane.regression_model()
        result = dataplane.predict(name, batch, version, partial=True)
        name_the_model(req, resp, result.name, result.version)
        resp.media = render_regression_compat(result)
