"""Request id middleware: accept X-Request-ID or make one, echo it back."""

from __future__ import annotations

import re
from collections.abc import Callable

import falcon

from roost.core.logs import request_id_var

__all__ = ["RequestIdMiddleware"]

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
