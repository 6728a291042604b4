"""gunicorn's own refusals, written in the app's error shape instead of HTML.

gunicorn refuses some requests before any app sees them: a request line
over its limit (414), too many or too large headers (431, 400), a malformed
request line, header or chunk (400). It answers them with an HTML page
(`gunicorn.util.write_error`, its one writer of such pages). Once an app
registers how its error bodies look (`render_refusals_with`), this process
writes those refusals with that body as JSON, with the same status, reason
and message gunicorn chose.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gunicorn import util

__all__ = ["MESSAGE_CHARS", "render_refusals_with", "write_refusal"]

#: The longest message kept: gunicorn's may quote the client's bytes.
MESSAGE_CHARS = 200
#: Renders the error body from its title and message.
RefusalBody = Callable[[str, str], bytes]

_gunicorn_write_error = util.write_error
_render: RefusalBody | None = None


def render_refusals_with(render: RefusalBody) -> None:
    """Write gunicorn's refusals in this process with `render`'s JSON bodies."""
    global _render  # noqa: PLW0603 - one writer per process, as gunicorn's
    _render = render
    util.write_error = write_refusal


def write_refusal(sock: Any, status_int: int, reason: str, mesg: str) -> None:
    """Write one refusal, then nothing more (`Connection: close`), as gunicorn does."""
    render = _render
    if render is None:
        _gunicorn_write_error(sock, status_int, reason, mesg)
        return
    message = mesg or reason
    if len(message) > MESSAGE_CHARS:
        message = message[: MESSAGE_CHARS - 3] + "..."
    body = render(reason, message)
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    util.write_nonblock(sock, head.encode("latin-1") + body)
