"""The app factory: settings -> registry -> service -> Falcon app."""

from __future__ import annotations

import importlib.metadata
import logging
from typing import Any

import falcon

from roost.controllers.errors import install_error_handlers
from roost.controllers.middleware import RequestIdMiddleware
from roost.controllers.routes import add_routes
from roost.core.logs import configure_logging
from roost.core.predictions import PredictionService
from roost.core.registry import Registry
from roost.core.settings import Settings
from roost.views.media import json_handler

__all__ = ["api_version", "build_app", "build_service"]

logger = logging.getLogger(__name__)


def api_version() -> str:
    """Return roost's installed version."""
    return importlib.metadata.version("roost")


def build_service(settings: Settings) -> PredictionService:
    """Discover and load every adapter named by the settings' namespace."""
    registry = Registry.discover(
        settings.adapter_namespace,
        settings.model_dir,
        options=settings.adapter_options,
        pins=settings.pinned_versions,
    )
    registry.load_all()
    ready = sum(entry.ready for entry in registry.entries())
    logger.info(
        "%d of %d adapter version(s) ready in namespace %s",
        ready,
        len(registry.entries()),
        settings.adapter_namespace,
    )
    return PredictionService(registry, settings.default_model)


def build_app(settings: Settings | None = None, **overrides: Any) -> falcon.App:
    """Build the Falcon app; `overrides` replace fields of the settings."""
    settings = Settings.from_env() if settings is None else settings
    if overrides:
        settings = settings.replace(**overrides)
    configure_logging(settings.log_level, settings.log_format)
    service = build_service(settings)
    app = falcon.App(middleware=[RequestIdMiddleware(settings.request_id_factory)])
    handler = json_handler()
    app.req_options.media_handlers[falcon.MEDIA_JSON] = handler
    app.resp_options.media_handlers[falcon.MEDIA_JSON] = handler
    app.req_options.strip_url_path_trailing_slash = True
    install_error_handlers(app)
    add_routes(app, service, api_version())
    return app
