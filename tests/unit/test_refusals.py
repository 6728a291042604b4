"""gunicorn's refusals written by roost: JSON once an app registered its shape."""

from __future__ import annotations

import json
import socket

import pytest
from gunicorn import util

from roost.core.runtime import refusals


def _written(status: int, reason: str, mesg: str) -> tuple[str, dict[str, str], bytes]:
    """What `gunicorn.util.write_error` sends on a real socket pair."""
    ours, theirs = socket.socketpair()
    with ours, theirs:
        util.write_error(ours, status, reason, mesg)
        ours.shutdown(socket.SHUT_WR)
        data = b""
        while chunk := theirs.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines)
    return status_line, headers, body


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    """Register a JSON shape for this test; the writer in place comes back after."""
    monkeypatch.setattr(util, "write_error", util.write_error)
    monkeypatch.setattr(refusals, "_render", refusals._render)
    refusals.render_refusals_with(
        lambda title, message: json.dumps({"title": title, "error": message}).encode()
    )


@pytest.mark.usefixtures("registered")
class TestRegistered:
    """After `render_refusals_with`, gunicorn's writer sends the app's JSON."""

    def test_status_reason_and_message_are_gunicorns(self) -> None:
        """A 414 keeps its status line; the body carries gunicorn's message."""
        status, headers, body = _written(
            414, "URI Too Long", "Request Line is too large (9000 > 8190)"
        )
        assert status == "HTTP/1.1 414 URI Too Long"
        assert headers["Content-Type"] == "application/json"
        assert headers["Connection"] == "close"
        assert int(headers["Content-Length"]) == len(body)
        assert json.loads(body) == {
            "title": "URI Too Long",
            "error": "Request Line is too large (9000 > 8190)",
        }

    def test_long_messages_are_cut(self) -> None:
        """A message quoting 8,000 client bytes is cut to 200 characters."""
        _, _, body = _written(400, "Bad Request", "Invalid Request Line '" + "a" * 8000)
        message = json.loads(body)["error"]
        assert len(message) == refusals.MESSAGE_CHARS
        assert message.endswith("...")

    def test_an_empty_message_says_the_reason(self) -> None:
        """A 500 from gunicorn carries no message: the reason stands in."""
        _, _, body = _written(500, "Internal Server Error", "")
        assert json.loads(body)["error"] == "Internal Server Error"


def test_gunicorns_page_is_kept_without_a_registered_shape(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Nothing registered: `write_refusal` writes gunicorn's own HTML page."""
    monkeypatch.setattr(refusals, "_render", None)
    monkeypatch.setattr(util, "write_error", refusals.write_refusal)
    _, headers, body = _written(414, "URI Too Long", "too long")
    assert headers["Content-Type"] == "text/html"
    assert b"<h1><p>URI Too Long</p></h1>" in body
