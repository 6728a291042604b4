"""API keys on requests: who may call which route, as Falcon middleware.

`process_request` identifies the key before routing, so an unknown path
needs a key as much as a known one; `process_resource` then checks the key
covers the model the route targets: the `{name}` in its path, or the model
a route is bound to (the regression compatibility route). Routes naming no
model (lists, server metadata, the API description, docs) take any valid key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import falcon

from roost.core.errors import AuthenticationError
from roost.core.security.api_keys import KeyRing
from roost.core.security.keyless import API_KEY_HEADER, BEARER_HEADER, KeylessPaths

__all__ = ["API_KEY_HEADER", "ApiKeyMiddleware", "KeylessPaths", "presented_key"]

#: Names the model of the route the key must cover.
BoundModel = Callable[[], str | None]


def presented_key(req: falcon.Request) -> str | None:
    """Return the key in `Authorization: Bearer KEY` or `X-API-Key: KEY`.

    Raises:
        AuthenticationError: the two headers carry different keys.
    """
    bearer = None
    authorization = req.get_header(BEARER_HEADER)
    if authorization is not None:
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() == "bearer":
            bearer = token.strip() or None
    header = req.get_header(API_KEY_HEADER)
    header = header.strip() if header is not None else None
    if bearer and header and bearer != header:
        raise AuthenticationError(
            f"Authorization and {API_KEY_HEADER} carry different keys; send one",
            presented=True,
        )
    return bearer or header


class ApiKeyMiddleware:
    """Answer 401 without a valid key, 403 when it does not cover the model."""

    def __init__(
        self,
        ring: KeyRing,
        keyless: Iterable[str],
        bound_models: Mapping[str, BoundModel],
    ) -> None:
        self._ring = ring
        self._keyless = KeylessPaths(keyless)
        self._bound_models = bound_models

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Identify the request's key, unless its path needs none."""
        req.context.api_key = None
        if req.path in self._keyless:
            return
        req.context.api_key = self._ring.identify(presented_key(req))

    def process_resource(
        self,
        req: falcon.Request,
        resp: falcon.Response,
        resource: object,
        params: dict[str, Any],
    ) -> None:
        """Refuse a key that does not cover the model the route targets."""
        key = req.context.api_key
        if key is None:
            return
        model = params.get("name")
        bound = self._bound_models.get(req.uri_template or "")
        if model is None and bound is not None:
            model = bound()
        if model is not None:
            self._ring.authorize(key, model)
