"""Run roost under gunicorn: the one set of gunicorn options, and the runner."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication

from roost.core.settings import Settings

__all__ = ["APP_FACTORY", "RoostServer", "gunicorn_options"]

#: What gunicorn imports and calls in each worker.
APP_FACTORY = "roost.core:create_app()"


def gunicorn_options(settings: Settings) -> dict[str, Any]:
    """Return gunicorn's settings for these roost settings.

    Threaded workers (gthread) keep answering health checks while a slow
    client holds one connection; `deploy/gunicorn.conf.py` applies the same
    options to the plain `gunicorn` command.
    """
    return {
        "bind": [f"{settings.host}:{settings.port}"],
        "workers": settings.workers,
        "worker_class": "gthread",
        "threads": settings.threads,
        "timeout": settings.timeout,
        "graceful_timeout": settings.graceful_timeout,
        "keepalive": 5,
        "limit_request_line": 8190,
        "limit_request_fields": 100,
        "limit_request_field_size": 8190,
        "loglevel": settings.log_level,
        "accesslog": "-",
        "errorlog": "-",
        "proc_name": "roost",
        "wsgi_app": APP_FACTORY,
    }


class RoostServer(BaseApplication):  # type: ignore[misc] - gunicorn ships no types
    """gunicorn application that builds roost's app in each worker."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        super().__init__()

    def load_config(self) -> None:
        """Apply roost's gunicorn options."""
        for key, value in gunicorn_options(self._settings).items():
            if key != "wsgi_app":
                self.cfg.set(key, value)

    def load(self) -> Any:
        """Build the app in the worker (adapters load once per worker)."""
        from roost.core.app import build_app  # noqa: PLC0415 - import in the worker

        return build_app(self._settings)
