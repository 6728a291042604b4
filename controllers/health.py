"""Liveness, readiness, version and metrics resources."""

from __future__ import annotations

import falcon

from roost.core.errors import AdapterNotFoundError, AdapterNotReadyError
from roost.core.runtime.metrics import CONTENT_TYPE
from roost.core.serving.dataplane import DataPlane
from roost.views.models import render_version

__all__ = ["HealthResource", "MetricsResource", "ReadinessResource", "VersionResource"]


class HealthResource:
    """`GET /health`: the process answers; depends on nothing else."""

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Answer 200 while the process runs."""
        resp.media = {"status": "ok"}


class ReadinessResource:
    """`GET /health/ready`: 200 once every adapter is loaded; 503 otherwise."""

    def __init__(self, dataplane: DataPlane) -> None:
        self._dataplane = dataplane

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Answer readiness with the reason when not ready."""
        ready, reason = self._dataplane.readiness.check()
        resp.status = 200 if ready else 503
        resp.media = {"ready": ready, "reason": reason}


class MetricsResource:
    """`GET /metrics`: Prometheus exposition of every worker's metrics."""

    def __init__(self, dataplane: DataPlane) -> None:
        self._metrics = dataplane.metrics

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Render the metrics text."""
        resp.content_type = CONTENT_TYPE
        resp.data = self._metrics.render()


class VersionResource:
    """`GET /version`: the API's version and the installed models' versions."""

    def __init__(self, dataplane: DataPlane, api_version: str) -> None:
        self._dataplane = dataplane
        self._api_version = api_version

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Render the versions."""
        registry = self._dataplane.registry
        name = self._dataplane.regression_model_or_none()
        try:
            default = None if name is None else registry.lookup(name)
        except (AdapterNotFoundError, AdapterNotReadyError):
            default = None
        resp.media = render_version(self._api_version, default, registry.entries())
