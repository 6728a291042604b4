"""Liveness and version resources (the seed's /health and /version)."""

from __future__ import annotations

import falcon

from roost.core.errors import AdapterNotFoundError
from roost.core.predictions import PredictionService
from roost.views.models import render_version

__all__ = ["HealthResource", "VersionResource"]


class HealthResource:
    """`GET /health`: the process answers; depends on nothing else."""

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Answer 200 while the process runs."""
        resp.media = {"status": "ok"}


class VersionResource:
    """`GET /version`: the API's version and the installed models' versions."""

    def __init__(self, service: PredictionService, api_version: str) -> None:
        self._service = service
        self._api_version = api_version

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Render the versions."""
        registry = self._service.registry
        try:
            default = registry.default(self._service.default_model())
        except AdapterNotFoundError:
            default = None
        resp.media = render_version(self._api_version, default, registry.entries())
