"""roost's core: the adapter contract, registry, validation, settings and app."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from roost.core.adapter import AdapterContext, ModelAdapter, Training
from roost.core.errors import AdapterError

if TYPE_CHECKING:
    import falcon

    from roost.core.settings import Settings

__all__ = ["AdapterContext", "AdapterError", "ModelAdapter", "Training", "create_app"]


def create_app(settings: Settings | None = None, **overrides: Any) -> falcon.App:
    """Build the WSGI app (gunicorn calls this once per worker)."""
    from roost.core.app import build_app  # noqa: PLC0415 - keeps `import roost.core` light

    return build_app(settings, **overrides)
