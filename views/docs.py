"""Render the docs pages: the Swagger UI page, its start-up script, the landing page."""

from __future__ import annotations

import json
from collections.abc import Iterable
from html import escape
from typing import Any

import orjson

__all__ = [
    "render_docs_init",
    "render_docs_page",
    "render_landing",
    "render_openapi",
    "render_unavailable",
]

_STYLE = """
body { font: 16px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 42rem;
       padding: 0 1rem; color: #1b1f23; }
code { background: #f3f4f6; padding: 0 .25rem; border-radius: 3px; }
li { margin: .25rem 0; }
"""


def render_openapi(document: dict[str, Any]) -> bytes:
    """Serialise the OpenAPI document once, so each request sends bytes."""
    return orjson.dumps(document)


def render_docs_page(*, title: str, static_url: str, init_url: str) -> str:
    """Return the Swagger UI page; every asset it loads comes from `static_url`.

    The page holds no inline script, so a `script-src 'self'` policy applies.
    """
    static = escape(static_url.rstrip("/"), quote=True)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<link rel="stylesheet" href="{static}/swagger-ui.css">
<link rel="icon" type="image/png" href="{static}/favicon-32x32.png" sizes="32x32">
<link rel="icon" type="image/png" href="{static}/favicon-16x16.png" sizes="16x16">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{static}/swagger-ui-bundle.js"></script>
<script src="{escape(init_url, quote=True)}"></script>
</body>
</html>
"""


def render_docs_init(openapi_url: str) -> str:
    """Return the script that starts Swagger UI on the document at `openapi_url`.

    `validatorUrl: null` turns off the badge that would fetch an image from
    a public validator: the page must not leave the server it came from.
    """
    options = {
        "url": openapi_url,
        "dom_id": "#swagger-ui",
        "deepLinking": True,
        "validatorUrl": None,
        "displayRequestDuration": True,
        "layout": "BaseLayout",
    }
    return (
        'window.addEventListener("load", function () {\n'
        f"  var options = {json.dumps(options)};\n"
        "  options.presets = [SwaggerUIBundle.presets.apis];\n"
        "  window.ui = SwaggerUIBundle(options);\n"
        "});\n"
    )


def render_landing(api_version: str, links: Iterable[tuple[str, str]]) -> str:
    """Return the landing page: what roost is and where to go next."""
    items = "\n".join(
        f'<li><a href="{escape(href, quote=True)}"><code>{escape(href)}</code></a>'
        f" {escape(text)}</li>"
        for href, text in links
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>roost {escape(api_version)}</title>
<style>{_STYLE}</style>
</head>
<body>
<h1>roost <small>{escape(api_version)}</small></h1>
<p>Machine-learning models behind a versioned REST API.</p>
<ul>
{items}
</ul>
</body>
</html>
"""


def render_unavailable(reason: str) -> str:
    """Return a plain page saying why the docs page cannot be shown."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>API docs unavailable</title></head>\n"
        f"<body><h1>API docs unavailable</h1><p>{escape(reason)}</p>"
        '<p>The API description is at <a href="/openapi.json">/openapi.json</a>.</p>'
        "</body></html>\n"
    )
