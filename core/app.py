"""The app factory: settings -> registry -> service -> Falcon app."""

from __future__ import annotations

import importlib.metadata
import logging
from typing import Any

import falcon

from roost.controllers.errors import install_error_handlers
from roost.controllers.middleware import MetricsMiddleware, RequestIdMiddleware
from roost.controllers.routes import add_routes
from roost.core.admission import Admission
from roost.core.intake import IntakeLimits
from roost.core.logs import configure_logging
from roost.core.metrics import Metrics
from roost.core.predictions import PredictionService
from roost.core.registry import Registry
from roost.core.settings import Settings
from roost.views.media import json_handler

__all__ = ["RoostApp", "api_version", "build_app", "build_service"]

logger = logging.getLogger(__name__)


class RoostApp(falcon.App):
    """A Falcon app that keeps its service reachable (gunicorn hooks drain it)."""

    def __init__(self, service: PredictionService, **options: Any) -> None:
        super().__init__(**options)
        self.service = service


def api_version() -> str:
    """Return roost's installed version."""
    return importlib.metadata.version("roost")


def build_service(settings: Settings) -> PredictionService:
    """Discover and load every adapter; wire limits, admission and metrics."""
    registry = Registry.from_settings(settings)
    registry.load_all()
    ready = sum(entry.ready for entry in registry.entries())
    logger.info(
        "%d of %d adapter version(s) ready in namespace %s",
        ready,
        len(registry.entries()),
        settings.adapter_namespace,
    )
    return PredictionService(
        registry,
        default_model=settings.default_model,
        limits=IntakeLimits(
            max_body_bytes=settings.max_body_bytes,
            max_records=settings.max_records,
            max_fields_per_record=settings.max_fields_per_record,
            body_timeout=settings.body_timeout,
        ),
        admission=Admission(
            settings.max_in_flight, settings.request_deadline, settings.queue_timeout
        ),
        metrics=Metrics(settings.metrics_dir),
        batching=(
            (settings.batch_max_rows, settings.batch_max_wait)
            if settings.batch_max_rows > 1
            else None
        ),
    )


def build_app(settings: Settings | None = None, **overrides: Any) -> falcon.App:
    """Build the Falcon app; `overrides` replace fields of the settings."""
    settings = Settings.from_env() if settings is None else settings
    if overrides:
        settings = settings.replace(**overrides)
    configure_logging(settings.log_level, settings.log_format)
    service = build_service(settings)
    app = RoostApp(
        service,
        middleware=[
            RequestIdMiddleware(settings.request_id_factory),
            MetricsMiddleware(service.metrics),
        ],
    )
    handler = json_handler()
    app.req_options.media_handlers[falcon.MEDIA_JSON] = handler
    app.resp_options.media_handlers[falcon.MEDIA_JSON] = handler
    app.req_options.strip_url_path_trailing_slash = True
    install_error_handlers(app)
    add_routes(app, service, api_version())
    return app
