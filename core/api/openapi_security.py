"""Declare roost's API keys in its OpenAPI document, on the routes needing one.

With keys on, a request presents its key as `Authorization: Bearer KEY` or
`X-API-Key: KEY` (`roost.core.security.keyless`); the document declares both
schemes as alternatives. A route needs a key unless its path is keyless;
templated paths are matched as written, so only a `/prefix/*` entry can make
a `{name}` route keyless. Without a valid key: 401; with a key that does not
cover the model a route targets: 403.
"""

from __future__ import annotations

from typing import Any

from roost.core.api.openapi_builders import json_response, ref
from roost.core.security.keyless import API_KEY_HEADER, KeylessPaths

__all__ = ["SECURITY_SCHEMES", "require_keys"]

#: Scheme name -> OpenAPI security scheme, one per way of presenting a key.
SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    "bearerKey": {
        "type": "http",
        "scheme": "bearer",
        "description": "A roost API key (`roost keys add`) as a bearer token.",
    },
    "apiKeyHeader": {
        "type": "apiKey",
        "in": "header",
        "name": API_KEY_HEADER,
        "description": f"A roost API key (`roost keys add`) in `{API_KEY_HEADER}`.",
    },
}
#: Either scheme will do: one requirement object per scheme.
_EITHER_SCHEME: list[dict[str, list[str]]] = [{name: []} for name in SECURITY_SCHEMES]
_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch"})
_RESPONSES = {
    "401": ("Unauthorized", "No API key, or one that is not valid."),
    "403": ("Forbidden", "The API key does not cover this model."),
}


def require_keys(document: dict[str, Any], keyless: KeylessPaths) -> None:
    """Add the key schemes to `document`; require a key on every keyed route.

    Keyed operations get the 401 response, and those targeting one model
    (`/v1/models/{name}/...`, `/v2/models/{name}/...`, the regression
    route) the 403 response too. Keyless operations are left as they were.
    """
    components = document.setdefault("components", {})
    components["securitySchemes"] = SECURITY_SCHEMES
    responses = components.setdefault("responses", {})
    for title, text in _RESPONSES.values():
        responses[title] = json_response(text, ref("Error"))
    for path, item in document.get("paths", {}).items():
        if path in keyless:
            continue
        statuses = ("401", "403") if _targets_a_model(path) else ("401",)
        for method, operation in item.items():
            if method not in _METHODS:
                continue
            operation["security"] = _EITHER_SCHEME
            for status in statuses:
                operation["responses"][status] = {
                    "$ref": f"#/components/responses/{_RESPONSES[status][0]}"
                }


def _targets_a_model(path: str) -> bool:
    """Say whether a route's key must cover a model, as the key check decides."""
    parts = path.strip("/").split("/")
    names_one = len(parts) >= 3 and parts[0] in ("v1", "v2") and parts[1] == "models"
    return names_one or path == "/v1/predict/regression"
