"""The app factory: settings -> data plane -> Falcon app with every route.

gunicorn calls `create_app()` in each worker (see
`roost.core.runtime.server.APP_FACTORY`); tests call it with settings.
"""

from __future__ import annotations

import importlib.metadata
import logging
from typing import Any

import falcon

from roost.controllers.auth import ApiKeyMiddleware
from roost.controllers.errors import install_error_handlers
from roost.controllers.middleware import MetricsMiddleware, RequestIdMiddleware
from roost.controllers.routes import add_routes, bound_models
from roost.core.runtime.logs import configure_logging
from roost.core.runtime.settings import Settings
from roost.core.security.key_file import load_ring
from roost.core.security.keyless import KeylessPaths
from roost.core.serving.dataplane import DataPlane, build_dataplane
from roost.views.media import json_handler

__all__ = ["RoostApp", "api_version", "create_app"]

logger = logging.getLogger(__name__)


class RoostApp(falcon.App[falcon.Request, falcon.Response]):
    """A Falcon app that keeps its dataplane reachable (gunicorn hooks drain it)."""

    def __init__(self, dataplane: DataPlane, **options: Any) -> None:
        super().__init__(**options)
        self.dataplane = dataplane


def api_version() -> str:
    """Return roost's installed version."""
    return importlib.metadata.version("roost")


def create_app(settings: Settings | None = None, **overrides: Any) -> RoostApp:
    """Build the Falcon app; `overrides` replace fields of the settings."""
    settings = Settings.from_env() if settings is None else settings
    if overrides:
        settings = settings.replace(**overrides)
    configure_logging(settings.log_level, settings.log_format)
    dataplane = build_dataplane(settings)
    middleware: list[object] = [
        RequestIdMiddleware(settings.request_id_factory),
        MetricsMiddleware(dataplane.metrics),
    ]
    keyless: KeylessPaths | None = None
    if settings.api_keys_file is not None:
        keyless = KeylessPaths(settings.api_keys_exempt)
        ring = load_ring(settings.api_keys_file)
        logger.info(
            "API keys required: %d key(s) from %s", len(ring), settings.api_keys_file
        )
        middleware.append(
            ApiKeyMiddleware(ring, settings.api_keys_exempt, bound_models(dataplane))
        )
    app = RoostApp(dataplane, middleware=middleware)
    handler = json_handler()
    app.req_options.media_handlers[falcon.MEDIA_JSON] = handler
    app.resp_options.media_handlers[falcon.MEDIA_JSON] = handler
    app.req_options.strip_url_path_trailing_slash = True
    install_error_handlers(app)
    add_routes(app, dataplane, api_version(), keyless=keyless)
    return app
