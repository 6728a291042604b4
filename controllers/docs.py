"""The published API: /openapi.json, the /docs explorer and the / landing page."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Mapping
from pathlib import Path

import falcon

from roost.core.api.openapi import build_document
from roost.core.security.keyless import KeylessPaths
from roost.core.serving.dataplane import DataPlane
from roost.views.docs import (
    render_docs_init,
    render_docs_page,
    render_landing,
    render_openapi,
    render_unavailable,
)

__all__ = [
    "DocsResource",
    "LandingResource",
    "OpenApiResource",
    "StaticAssetResource",
    "add_docs_routes",
]

logger = logging.getLogger(__name__)

#: The Swagger UI distribution's package (PyPI: swagger-ui-bundle-v2).
ASSETS_PACKAGE = "swagger_ui_bundle"
#: The only files served from it, with their content types; nothing else is.
ASSET_TYPES: Mapping[str, str] = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon-16x16.png": "image/png",
    "favicon-32x32.png": "image/png",
    "swagger-ui-bundle.js.map": "application/json",
    "swagger-ui.css.map": "application/json",
}
OPENAPI_URL, DOCS_URL, STATIC_URL = "/openapi.json", "/docs", "/docs/static"
INIT_URL = "/docs/init.js"
#: The docs page may load nothing that roost did not serve.
DOCS_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
LANDING_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
LINKS = (
    (DOCS_URL, "interactive API docs (Swagger UI)"),
    ("/v1/models", "the installed models"),
    ("/health", "liveness"),
    (OPENAPI_URL, "the OpenAPI 3.1 description"),
    ("/v2", "Open Inference Protocol (V2) server metadata"),
)


def _html(resp: falcon.Response, text: str, policy: str) -> None:
    resp.content_type = falcon.MEDIA_HTML
    resp.set_header("Content-Security-Policy", policy)
    resp.set_header("X-Content-Type-Options", "nosniff")
    resp.text = text


class OpenApiResource:
    """`GET /openapi.json`: the document built when the app was built."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Send the cached document."""
        resp.content_type = falcon.MEDIA_JSON
        resp.data = self._body


class DocsResource:
    """`GET /docs` (Swagger UI) and `GET /docs/init.js` (its start-up script)."""

    def __init__(self, assets: Path | None, reason: str = "") -> None:
        self._assets = assets
        self._reason = reason

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Render the explorer page, or say why it cannot be shown (503)."""
        if self._assets is None:
            resp.status = 503
            _html(resp, render_unavailable(self._reason), LANDING_POLICY)
            return
        page = render_docs_page(
            title="roost API", static_url=STATIC_URL, init_url=INIT_URL
        )
        _html(resp, page, DOCS_POLICY)

    def on_get_init(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Send the script that points Swagger UI at /openapi.json."""
        resp.content_type = ASSET_TYPES["swagger-ui-bundle.js"]
        resp.set_header("X-Content-Type-Options", "nosniff")
        resp.text = render_docs_init(OPENAPI_URL)


class StaticAssetResource:
    """`GET /docs/static/{file}`: Swagger UI's own files, by exact name only."""

    def __init__(self, assets: Path | None) -> None:
        self._files = {
            name: assets / name
            for name in ASSET_TYPES
            if assets is not None and (assets / name).is_file()
        }

    def on_get(self, req: falcon.Request, resp: falcon.Response, file: str) -> None:
        """Stream one whitelisted file; any other name is a 404.

        Raises:
            falcon.HTTPNotFound: the name is not one of `ASSET_TYPES`.
        """
        path = self._files.get(file)
        if path is None:
            raise falcon.HTTPNotFound(description=f"no docs asset named {file!r}")
        resp.content_type = ASSET_TYPES[file]
        resp.set_header("Cache-Control", "public, max-age=86400")
        resp.set_header("X-Content-Type-Options", "nosniff")
        resp.set_stream(path.open("rb"), path.stat().st_size)


class LandingResource:
    """`GET /`: a short page linking the docs and the main routes."""

    def __init__(self, api_version: str) -> None:
        self._page = render_landing(api_version, LINKS)

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Render the landing page."""
        _html(resp, self._page, LANDING_POLICY)


def find_assets() -> tuple[Path | None, str]:
    """Locate Swagger UI's distribution folder, or say why it is missing."""
    try:
        package = importlib.import_module(ASSETS_PACKAGE)
    except ImportError:
        return None, "Swagger UI is not installed: pip install swagger-ui-bundle-v2"
    folder = Path(str(package.swagger_ui_path))
    if not (folder / "swagger-ui-bundle.js").is_file():
        return None, f"Swagger UI's files are missing from {folder}"
    return folder, ""


def add_docs_routes(
    app: falcon.App[falcon.Request, falcon.Response],
    dataplane: DataPlane,
    api_version: str,
    *,
    keyless: KeylessPaths | None = None,
) -> None:
    """Attach the OpenAPI document, the docs page and the landing page.

    The document is built here, once per app (so once per worker). With API
    keys on, `keyless` holds the paths needing none; the document declares
    the key schemes on every other route.
    """
    default_regression = dataplane.regression_model_or_none()
    document = build_document(
        dataplane.registry,
        api_version,
        default_regression=default_regression,
        limits=dataplane.limits,
        keyless=keyless,
    )
    assets, reason = find_assets()
    if assets is None:
        logger.warning("/docs is unavailable: %s", reason)
    docs = DocsResource(assets, reason)
    app.add_route(OPENAPI_URL, OpenApiResource(render_openapi(document)))
    app.add_route(DOCS_URL, docs)
    app.add_route(INIT_URL, docs, suffix="init")
    app.add_route(STATIC_URL + "/{file}", StaticAssetResource(assets))
    app.add_route("/", LandingResource(api_version))
