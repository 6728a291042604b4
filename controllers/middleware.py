"""Middleware: request ids in and out, and request metrics."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import falcon

from roost.core.runtime.logs import request_id_var
from roost.core.runtime.metrics import Metrics

__all__ = ["MetricsMiddleware", "RequestIdMiddleware"]

HEADER = "X-Request-ID"
#: A client's id is kept only when short and plain, so logs stay clean.
_ACCEPTABLE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class RequestIdMiddleware:
    """Give every request an id, visible in logs and in the response."""

    def __init__(self, new_id: Callable[[], str]) -> None:
        self._new_id = new_id

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Take the client's id when acceptable, otherwise generate one."""
        offered = req.get_header(HEADER)
        request_id = (
            offered if offered and _ACCEPTABLE_ID.match(offered) else self._new_id()
        )
        req.context.request_id = request_id
        req.context.request_id_token = request_id_var.set(request_id)
        resp.set_header(HEADER, request_id)

    def process_response(
        self,
        req: falcon.Request,
        resp: falcon.Response,
        resource: object,
        req_succeeded: bool,
    ) -> None:
        """Forget the id once the response is ready."""
        token = getattr(req.context, "request_id_token", None)
        if token is not None:
            request_id_var.reset(token)
            req.context.request_id_token = None


#: Methods counted by name; any other is counted as "other" (gunicorn accepts
#: any token as a method, and each would be a new series).
_COUNTED_METHODS = frozenset(
    {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"}
)


class MetricsMiddleware:
    """Count and time every request by route template, status, model, version."""

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics
        # NOTE: prometheus-client's `labels` converts, locks and looks up on
        # every call; the children are kept per label values instead. Every
        # label is bounded: route templates, counted methods, statuses and
        # installed models and versions.
        self._children: dict[tuple[str, str, str, str, str], tuple[Any, Any]] = {}

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Note when the request started."""
        req.context.started = time.perf_counter()

    def process_response(
        self,
        req: falcon.Request,
        resp: falcon.Response,
        resource: object,
        req_succeeded: bool,
    ) -> None:
        """Record the request; unmatched paths share one label to bound cardinality."""
        started = getattr(req.context, "started", None)
        if started is None:
            return
        route = req.uri_template if resource is not None else "(unmatched)"
        model = getattr(req.context, "model", None) or "-"
        version = getattr(req.context, "model_version", None) or "-"
        method = req.method if req.method in _COUNTED_METHODS else "other"
        key = (str(route), method, str(resp.status_code), str(model), str(version))
        children = self._children.get(key)
        if children is None:
            children = (
                self._metrics.requests.labels(*key),
                self._metrics.latency.labels(key[0], key[1], key[3], key[4]),
            )
            self._children[key] = children
        requests, latency = children
        requests.inc()
        latency.observe(time.perf_counter() - started)
