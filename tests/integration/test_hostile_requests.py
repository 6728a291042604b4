"""Hostile requests against real gunicorn: each is refused cleanly, none hurts.

Every case checks that the answer is a 4xx (or, for broken HTTP framing,
gunicorn's own 4xx or a closed connection) and that roost's answers are small
JSON bodies carrying `error` (nothing large is echoed back). The `target`
fixtures then check, after every case, that `/health` still answers 200, that
the worker was not replaced, and that the case logged no traceback. The last
test sends a burst of hostile requests itself and reads the server log.
"""

from __future__ import annotations

import contextlib
import gzip
import itertools
import json
import select
import socket
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from server_harness import RunningServer, run_server, worker_pids
from slow_clients import SLOW_BODY, SLOW_HEADERS, SlowClients

pytestmark = pytest.mark.integration

TESTING = "roost.adapters.testing"
MIB = 1024 * 1024
#: ROOST_MAX_BODY_BYTES of the small server; the default server keeps 8 MiB.
CAP = MIB
DEFAULT_CAP = 8 * MIB
MAX_RECORDS = 50
MAX_FIELDS = 200
#: roost cuts client values short in messages, so no error body gets near this.
ERROR_BODY_BOUND = 4096
#: echo 1.0: x float in [-1e6, 1e6] required; label "a"|"b" nullable; count int >= 0.
ECHO = "/v1/models/echo/versions/1.0/predict"
GOOD = b'[{"x": 1}]'
JSON = {"Content-Type": "application/json"}
#: Seconds a raw-socket exchange may take before the server counts as hung.
RAW_TIMEOUT = 10.0
#: ROOST_HEADER_TIMEOUT and ROOST_BODY_TIMEOUT of the small server.
SLOW_TIMEOUT = 2.0


@dataclass(frozen=True)
class Target:
    """A running server serving the test adapters."""

    server: RunningServer

    @property
    def port(self) -> int:
        """Return the server's loopback port."""
        return self.server.port

    def url(self, path: str) -> str:
        """Return the absolute URL of a raw `path` (sent as written)."""
        return self.server.url(path)

    def log_size(self) -> int:
        """Return how many bytes the server has logged so far."""
        return self.server.log.stat().st_size

    def log_since(self, offset: int) -> str:
        """Return what the server logged after `offset` bytes."""
        return self.server.log.read_bytes()[offset:].decode(errors="replace")


def _start(tmp_path_factory: pytest.TempPathFactory, **limits: Any) -> Iterator[Target]:
    log_dir = tmp_path_factory.mktemp("hostile")
    with run_server(
        log_dir,
        workers=1,
        ROOST_ADAPTER_NAMESPACE=TESTING,
        ROOST_MODEL_DIR=log_dir / "models",
        **limits,
    ) as running:
        yield Target(running)


def _unharmed(target: Target) -> Iterator[Target]:
    """Yield `target` to one case, then check that the case hurt nothing.

    `/health` alone cannot tell: gunicorn replaces a dead worker and the new
    one answers, so the worker's PID and the log are checked too.
    """
    workers = worker_pids(target.server)
    offset = target.log_size()
    yield target
    assert_alive(target)
    assert worker_pids(target.server) == workers, "the case killed a worker"
    assert_clean_log(target.log_since(offset))


@pytest.fixture(scope="module")
def small_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    """A one-worker server with small limits: 1 MiB bodies, 50 records, 200 fields.

    Headers and bodies are due within 2 s each.
    """
    yield from _start(
        tmp_path_factory,
        ROOST_MAX_BODY_BYTES=CAP,
        ROOST_HEADER_TIMEOUT=SLOW_TIMEOUT,
        ROOST_BODY_TIMEOUT=SLOW_TIMEOUT,
        ROOST_MAX_RECORDS=MAX_RECORDS,
        ROOST_MAX_FIELDS_PER_RECORD=MAX_FIELDS,
    )


@pytest.fixture(scope="module")
def default_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    """A one-worker server with the default limits (8 MiB bodies)."""
    yield from _start(tmp_path_factory)


@pytest.fixture
def target(small_server: Target) -> Iterator[Target]:
    """The small-limit server, checked unharmed after the case."""
    yield from _unharmed(small_server)


@pytest.fixture
def default_target(default_server: Target) -> Iterator[Target]:
    """The default-limit server, checked unharmed after the case."""
    yield from _unharmed(default_server)


# --------------------------------------------------------------------- helpers


def send(
    target: Target,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    *,
    timeout: float = 30,
) -> requests.Response:
    """Send one well-formed request with the path exactly as written.

    The URL is set after preparing so that requests does not normalise
    `../` away; a fresh session per call keeps a refused connection from
    leaking into the next case.
    """
    prepared = requests.Request(method, target.url("/"), data=body).prepare()
    prepared.url = target.url(path)
    for name, value in (headers or {}).items():
        prepared.headers[name] = value
    with requests.Session() as session:
        return session.send(prepared, timeout=timeout)


def assert_alive(target: Target) -> None:
    """Check that the server still answers `GET /health` with 200, quickly."""
    response = requests.get(target.url("/health"), timeout=5)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


#: What gunicorn logs when a worker dies or hangs.
_WORKER_CRASHES = ("WORKER TIMEOUT", "was sent SIG", "exited with code")


def assert_clean_log(log: str) -> None:
    """Check a stretch of server log for tracebacks and dead workers."""
    assert "Traceback" not in log, log[log.find("Traceback") :][:3000]
    for crash in _WORKER_CRASHES:
        assert crash not in log, log[log.find(crash) :][:3000]


def assert_json_error(
    status: int, headers: Any, content: bytes, expected: int | set[int]
) -> dict[str, Any]:
    """Check a roost error answer: status, JSON shape, request id, small size."""
    allowed = {expected} if isinstance(expected, int) else expected
    assert status in allowed, content[:300]
    assert headers["Content-Type"].startswith("application/json")
    assert len(content) < ERROR_BODY_BOUND, f"{len(content)} bytes: {content[:120]!r}"
    body = json.loads(content)
    assert isinstance(body["error"], str)
    assert body["error"]
    assert isinstance(body["title"], str)
    assert body["request_id"] == headers["X-Request-ID"]
    return body


def assert_error(
    response: requests.Response, expected: int | set[int]
) -> dict[str, Any]:
    """Check a roost error answered through requests."""
    return assert_json_error(
        response.status_code, response.headers, response.content, expected
    )


@dataclass
class RawResponse:
    """One HTTP response read off a raw socket; `status` None means closed."""

    status: int | None
    headers: dict[str, str]
    body: bytes
    waited: float

    def header(self, name: str) -> str | None:
        """Return a header's value by case-insensitive name."""
        return self.headers.get(name.lower())


class _CaseInsensitive(dict[str, str]):
    """Header lookup by any spelling, for `assert_json_error`."""

    def __getitem__(self, name: str) -> str:
        return super().__getitem__(name.lower())


def _recv(sock: socket.socket) -> bytes:
    try:
        return sock.recv(64 * 1024)
    except (ConnectionResetError, BrokenPipeError):
        return b""


def read_response(sock: socket.socket) -> RawResponse:
    """Read one response (head, then Content-Length bytes) or notice a close.

    Raises:
        TimeoutError: the server neither answered nor closed in time.
    """
    started = time.monotonic()
    buffer = b""
    while b"\r\n\r\n" not in buffer:
        chunk = _recv(sock)
        if not chunk:
            assert not buffer, f"truncated response head: {buffer[:200]!r}"
            return RawResponse(None, {}, b"", time.monotonic() - started)
        buffer += chunk
    waited = time.monotonic() - started
    head, _, body = buffer.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = _recv(sock)
        if not chunk:
            break
        body += chunk
    return RawResponse(int(status_line.split()[1]), headers, body[:length], waited)


def exchange(port: int, payload: bytes, timeout: float = RAW_TIMEOUT) -> RawResponse:
    """Send raw bytes on a fresh connection and read the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(payload)
        return read_response(sock)


def stream(
    port: int, head: bytes, chunks: Iterable[bytes], timeout: float = RAW_TIMEOUT
) -> tuple[RawResponse, int]:
    """Send a request head, then body chunks until the server answers or closes.

    Returns the response and how many body bytes went out before it.
    """
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(head)
        # A declared size over the cap is refused before any body is read.
        readable, _, _ = select.select([sock], [], [], 0.5)
        if not readable:
            for chunk in chunks:
                readable, _, _ = select.select([sock], [], [], 0)
                if readable:
                    break
                try:
                    sock.sendall(chunk)
                except (BrokenPipeError, ConnectionResetError, TimeoutError):
                    break
                sent += len(chunk)
        return read_response(sock), sent


def assert_gunicorn_refusal(response: RawResponse) -> dict[str, Any]:
    """Check a refusal gunicorn wrote before roost saw the request: roost's shape."""
    assert response.header("Content-Type") == "application/json", response.body[:200]
    assert response.header("Connection") == "close"
    assert len(response.body) < ERROR_BODY_BOUND
    body = json.loads(response.body)
    assert isinstance(body["title"], str)
    assert body["title"]
    assert isinstance(body["error"], str)
    assert body["error"]
    return dict(body)


def assert_raw_refused(response: RawResponse) -> None:
    """Accept a closed connection or a 4xx, as a small JSON error either way."""
    if response.status is None:
        return
    assert 400 <= response.status < 500, (response.status, response.body[:200])
    assert len(response.body) < ERROR_BODY_BOUND
    if response.header("X-Request-ID") is not None:  # roost answered
        assert_json_error(
            response.status,
            _CaseInsensitive(response.headers),
            response.body,
            response.status,
        )
    else:  # gunicorn refused it before roost saw it
        assert_gunicorn_refusal(response)


def post_head(
    path: str, length: int | None = None, extra: str = "", content_type: str = ""
) -> bytes:
    """Build a POST request head with a Content-Length or chunked framing."""
    framing = (
        "Transfer-Encoding: chunked" if length is None else f"Content-Length: {length}"
    )
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: {content_type or 'application/json'}\r\n"
        f"{framing}\r\n{extra}\r\n"
    ).encode()


def filler(total: int, piece: int = 64 * 1024) -> Iterator[bytes]:
    """Yield `total` bytes of JSON whitespace in pieces, never holding them all."""
    while total > 0:
        size = min(piece, total)
        yield b" " * size
        total -= size


def chunked(pieces: Iterable[bytes]) -> Iterator[bytes]:
    """Frame pieces as HTTP/1.1 chunks."""
    for piece in pieces:
        yield b"%x\r\n" % len(piece) + piece + b"\r\n"


def record_with_keys(count: int, extra: str = "") -> bytes:
    """Return a one-record body with `count` unknown keys (plus `extra` JSON)."""
    keys = ",".join(f'"k{i}": {i}' for i in range(count))
    return f"[{{{extra}{keys}}}]".encode()


# ------------------------------------------------------------- body syntax


class TestBodySyntax:
    """Bodies that are not strict JSON are a 400 from roost's parser."""

    @pytest.mark.parametrize(
        "body",
        [
            pytest.param(b'[{"x": 1', id="truncated"),
            pytest.param(b'[{"x": "1', id="unterminated-string"),
            pytest.param(b'[{"x": 1}] xyz', id="trailing-garbage"),
            pytest.param(b'[{"x": 1}][{"x": 2}]', id="two-documents"),
            pytest.param(b'[{"x": 1}]\x00', id="trailing-nul-byte"),
            pytest.param(b"[{'x': 1}]", id="single-quotes"),
            pytest.param(b"[{x: 1}]", id="bare-key"),
            pytest.param(b'[{"x": 1}] // comment', id="line-comment"),
            pytest.param(b'[/* comment */ {"x": 1}]', id="block-comment"),
            pytest.param(b'[{"x": 1},]', id="trailing-comma"),
            pytest.param(b'[{"x": NaN}]', id="nan"),
            pytest.param(b'[{"x": Infinity}]', id="infinity"),
            pytest.param(b'[{"x": -Infinity}]', id="minus-infinity"),
            pytest.param(b'[{"x": 1, "note": 1e400}]', id="1e400-overflows"),
            pytest.param(b'[{"x": 0x10}]', id="hex-literal"),
            pytest.param(b'[{"x": 01}]', id="leading-zero"),
            pytest.param(
                b'{"inputs": [{"x": 1}], "inputs": [{"x": 2}]}', id="duplicate-top-key"
            ),
            pytest.param(b'[{"x": 1, "x": 2}]', id="duplicate-record-key"),
            pytest.param(b"[" * 100_000 + b"]" * 100_000, id="100000-nested-lists"),
            pytest.param(
                b'{"a":' * 100_000 + b"1" + b"}" * 100_000, id="100000-objects"
            ),
            pytest.param(b'[{"x": 1, "label": "\\ud800"}]', id="lone-surrogate"),
            pytest.param(b'[{"x": 1, "label": "\\udc00\\ud800"}]', id="reversed-pair"),
            pytest.param(b'[{"x": 1, "label": "\xff\xfe"}]', id="invalid-utf8"),
            pytest.param(b'[{"x": 1, "label": "\xc0\xaf"}]', id="overlong-utf8"),
            pytest.param(b'[{"x": 1, "label": "\xed\xa0\x80"}]', id="utf8-surrogate"),
            pytest.param(b'[{"x": 1, "label": "a\x01"}]', id="raw-control-char"),
            pytest.param('[{"x": 1}]'.encode("utf-16"), id="utf16-bom"),
            pytest.param(b"", id="empty"),
            pytest.param(b" \r\n\t ", id="whitespace-only"),
            pytest.param(b"null", id="null"),
            pytest.param(b"true", id="true"),
            pytest.param(b"42", id="number"),
            pytest.param(b"1e400", id="number-1e400"),
            pytest.param(b"1" + b"0" * 5000, id="number-5000-digits"),
            pytest.param(b'"records"', id="string"),
        ],
    )
    def test_malformed_json_is_400(self, target: Target, body: bytes) -> None:
        """A body that is not strict JSON of the right shape is a small JSON 400."""
        assert_error(send(target, "POST", ECHO, body, JSON), 400)


# ------------------------------------------------------------- media types


class TestMediaTypes:
    """Only JSON media types are read; others are a 415."""

    @pytest.mark.parametrize(
        ("content_type", "body"),
        [
            pytest.param("text/plain", GOOD, id="text-plain"),
            pytest.param(
                "application/x-www-form-urlencoded", b"x=1", id="form-urlencoded"
            ),
            pytest.param(
                "multipart/form-data; boundary=XyZ",
                b'--XyZ\r\nContent-Disposition: form-data; name="x"\r\n\r\n1\r\n'
                b"--XyZ--\r\n",
                id="multipart",
            ),
            pytest.param("application/xml", b"<x>1</x>", id="xml"),
            pytest.param("application/octet-stream", GOOD, id="octet-stream"),
            pytest.param("application/json-seq", GOOD, id="json-seq"),
            pytest.param("application/jsonx", GOOD, id="jsonx"),
            pytest.param("json", GOOD, id="no-slash"),
            pytest.param("text/html; charset=utf-8", GOOD, id="html"),
        ],
    )
    def test_other_media_types_are_415(
        self, target: Target, content_type: str, body: bytes
    ) -> None:
        """A non-JSON Content-Type is refused with a JSON 415."""
        headers = {"Content-Type": content_type}
        assert_error(send(target, "POST", ECHO, body, headers), 415)

    @pytest.mark.parametrize(
        "content_type",
        [
            pytest.param("application/json; charset=utf-8", id="charset"),
            pytest.param("application/vnd.api+json", id="vnd-api-json"),
            pytest.param("APPLICATION/JSON", id="upper-case"),
            pytest.param(None, id="no-content-type"),
        ],
    )
    def test_json_media_types_are_served(
        self, target: Target, content_type: str | None
    ) -> None:
        """JSON spelled any allowed way (or no Content-Type at all) is a 200."""
        headers = {} if content_type is None else {"Content-Type": content_type}
        response = send(target, "POST", ECHO, GOOD, headers)
        assert response.status_code == 200
        assert response.json()["predictions"] == [1.0]


# ----------------------------------------------------------------- methods


class TestMethods:
    """Wrong methods are a JSON 405 (or an empty 2xx OPTIONS), never a 5xx."""

    @pytest.mark.parametrize(
        ("method", "path"),
        [
            pytest.param("PUT", "/v1/models/echo/predict", id="put-predict"),
            pytest.param("PATCH", "/v1/models/echo/predict", id="patch-predict"),
            pytest.param("DELETE", "/v1/models/echo/predict", id="delete-predict"),
            pytest.param("GET", "/v1/models/echo/predict", id="get-predict"),
            pytest.param("PUT", ECHO, id="put-versioned-predict"),
            pytest.param(
                "DELETE", "/v1/predict/regression", id="delete-regression-route"
            ),
            pytest.param("POST", "/health", id="post-health"),
            pytest.param("POST", "/version", id="post-version"),
            pytest.param("POST", "/v1/models", id="post-models"),
            pytest.param("POST", "/v1/models/echo", id="post-model"),
            pytest.param("TRACE", "/health", id="trace-health"),
            pytest.param("TRACE", ECHO, id="trace-predict"),
            pytest.param("PROPFIND", ECHO, id="webdav-propfind"),
        ],
    )
    def test_wrong_method_is_405(self, target: Target, method: str, path: str) -> None:
        """A method the route does not serve is a JSON 405 naming no large input."""
        assert_error(send(target, method, path, GOOD, JSON), 405)

    def test_head_on_predict_is_405(self, target: Target) -> None:
        """HEAD on a POST-only route is a 405 (without a body, as HEAD must be)."""
        response = send(target, "HEAD", ECHO)
        assert response.status_code == 405
        assert response.content == b""

    @pytest.mark.parametrize("path", [ECHO, "/health", "/no/such/route"])
    def test_options_is_2xx_or_4xx(self, target: Target, path: str) -> None:
        """OPTIONS gets Falcon's answer: a 2xx or 4xx, JSON whenever it has a body."""
        response = send(target, "OPTIONS", path)
        assert 200 <= response.status_code < 300 or 400 <= response.status_code < 500
        if response.content:
            assert response.headers["Content-Type"].startswith("application/json")
            response.json()
        if response.status_code >= 400:
            assert_error(response, response.status_code)


# ------------------------------------------------------------ path segments

_LONG_NAME = "n" * 8_100  # the request line stays under gunicorn's 8190 limit


class TestPathSegments:
    """Hostile model names and versions are a small 404, or gunicorn's refusal."""

    @pytest.mark.parametrize(
        ("method", "path"),
        [
            pytest.param("POST", "/v1/models/../../etc/passwd/predict", id="dotdot"),
            pytest.param("POST", "/v1/models/../predict", id="dotdot-name"),
            pytest.param(
                "POST", "/v1/models/..%2f..%2fetc%2fpasswd/predict", id="slash-encoded"
            ),
            pytest.param(
                "POST", "/v1/models/%2e%2e%2f%2e%2e%2fetc/predict", id="all-encoded"
            ),
            pytest.param(
                "POST", "/v1/models/%252e%252e%252fetc/predict", id="double-encoded"
            ),
            pytest.param(
                "POST", "/v1/models/..%5c..%5cwindows/predict", id="backslash-encoded"
            ),
            pytest.param("POST", "/v1/models/%2e%2e/predict", id="encoded-dotdot"),
            pytest.param("POST", "/v1/models/./predict", id="single-dot"),
            pytest.param("POST", "/v1/models/echo%00/predict", id="nul-in-name"),
            pytest.param("POST", "/v1/models/%00/predict", id="nul-name"),
            pytest.param(
                "POST", "/v1/models/echo/versions/1.0%00/predict", id="nul-in-version"
            ),
            pytest.param("POST", "/v1/models/%C3%A9cho/predict", id="unicode-name"),
            pytest.param("POST", "/v1/models/%E2%80%AEohce/predict", id="rtl-name"),
            pytest.param("POST", "/v1/models/%F0%9F%A6%9C/predict", id="emoji-name"),
            pytest.param("POST", "/v1/models/%ff%fe/predict", id="invalid-utf8-name"),
            pytest.param("POST", "/v1/models/echo./predict", id="trailing-dot"),
            pytest.param("POST", "/v1/models/echo.../predict", id="trailing-dots"),
            pytest.param(
                "POST", "/v1/models/echo/versions/1.0./predict", id="version-dot"
            ),
            pytest.param(
                "POST",
                "/v1/models/echo/versions/..%2f..%2fetc%2fpasswd/predict",
                id="version-traversal-encoded",
            ),
            pytest.param(
                "POST",
                "/v1/models/echo/versions/../../etc/passwd/predict",
                id="version-traversal-raw",
            ),
            pytest.param(
                "POST", "/v1/models/echo/versions/%20/predict", id="version-space"
            ),
            pytest.param(
                "GET", "/v1/models/..%2f..%2fetc%2fpasswd", id="get-traversal"
            ),
            pytest.param("GET", "/v1/models/%00", id="get-nul"),
            pytest.param(
                "POST", f"/v1/models/{_LONG_NAME}/predict", id="name-8100-chars"
            ),
            pytest.param(
                "POST",
                f"/v1/models/echo/versions/{_LONG_NAME[:8_000]}/predict",
                id="version-8000-chars",
            ),
            pytest.param("GET", f"/v1/models/{_LONG_NAME}", id="get-name-8100-chars"),
        ],
    )
    def test_hostile_path_is_404(self, target: Target, method: str, path: str) -> None:
        """No hostile path reaches a model: a JSON 404 that echoes nothing large."""
        assert_error(send(target, method, path, GOOD, JSON), 404)

    def test_name_of_10000_chars_is_refused(self, target: Target) -> None:
        """A 10 000-character name is over the request-line limit: a 4xx, no crash."""
        response = send(target, "POST", f"/v1/models/{'n' * 10_000}/predict", GOOD)
        assert 400 <= response.status_code < 500
        assert len(response.content) < ERROR_BODY_BOUND
        if "X-Request-ID" in response.headers:  # roost answered, not gunicorn
            assert_error(response, 404)


# ------------------------------------------------------------- schema shape


class TestSchemaShape:
    """Bodies of the wrong shape are refused before any model runs."""

    @pytest.mark.parametrize(
        ("body", "status"),
        [
            pytest.param(b"[1]", 422, id="record-number"),
            pytest.param(b'["x"]', 422, id="record-string"),
            pytest.param(b"[[1]]", 422, id="record-list"),
            pytest.param(b"[null]", 422, id="record-null"),
            pytest.param(b"[true]", 422, id="record-bool"),
            pytest.param(b'{"inputs": "x"}', 400, id="inputs-string"),
            pytest.param(b'{"inputs": {"x": 1}}', 400, id="inputs-object"),
            pytest.param(b'{"inputs": null}', 400, id="inputs-null"),
            pytest.param(b'{"inputs": []}', 400, id="inputs-empty"),
            pytest.param(b'{"inputs": [{"x": 1}], "extra": 1}', 400, id="inputs-extra"),
            pytest.param(b'{"x": 1}', 400, id="bare-record"),
            pytest.param(b"{}", 400, id="empty-object"),
            pytest.param(b"[]", 400, id="no-records"),
            pytest.param(
                json.dumps([{"x": 1}] * (MAX_RECORDS + 1)).encode(),
                413,
                id="records-over-limit",
            ),
            pytest.param(
                b"[" + b",".join([b"{}"] * 200_000) + b"]", 413, id="200k-records"
            ),
            pytest.param(record_with_keys(MAX_FIELDS + 1), 400, id="fields-over-limit"),
        ],
    )
    def test_wrong_shape_is_refused(
        self, target: Target, body: bytes, status: int
    ) -> None:
        """The body's shape decides the 4xx; nothing reaches the model."""
        error = assert_error(send(target, "POST", ECHO, body, JSON), status)
        if status == 422:
            assert set(error["errors"]["0"]) == {"_record"}

    def test_5000_unknown_keys_are_refused_fast(self, target: Target) -> None:
        """A record of 5000 unknown keys is a 400 well within the request timeout."""
        started = time.monotonic()
        response = send(target, "POST", ECHO, record_with_keys(5000), JSON, timeout=10)
        assert time.monotonic() - started < 5
        assert_error(response, 400)

    def test_record_at_the_field_limit_is_served(self, target: Target) -> None:
        """A record with exactly the allowed number of fields is predicted."""
        body = record_with_keys(MAX_FIELDS - 1, extra='"x": 2, ')
        response = send(target, "POST", ECHO, body, JSON)
        assert response.status_code == 200
        assert response.json()["predictions"] == [2.0]

    def test_regression_route_refuses_the_envelope(self, target: Target) -> None:
        """The compatibility route takes only a list: `{"inputs": [...]}` is a 400."""
        body = b'{"inputs": [{"x": 1}]}'
        assert_error(send(target, "POST", "/v1/predict/regression", body, JSON), 400)


# ------------------------------------------------------------ field values


class TestFieldValues:
    """Values that are not the schema's type are refused per record and field."""

    @pytest.mark.parametrize(
        ("field", "value", "status"),
        [
            pytest.param("x", '"nan"', 422, id="x-nan-string"),
            pytest.param("x", '"NaN"', 422, id="x-NaN-string"),
            pytest.param("x", '"inf"', 422, id="x-inf-string"),
            pytest.param("x", '"-Infinity"', 422, id="x-minus-infinity-string"),
            pytest.param("x", '"1e400"', 422, id="x-1e400-string"),
            pytest.param("x", "1e400", 400, id="x-1e400-number"),
            pytest.param("x", "-1e400", 400, id="x-minus-1e400-number"),
            pytest.param("x", str(2**63), 422, id="x-2pow63"),
            pytest.param("x", str(-(2**63) - 1), 422, id="x-minus-2pow63-minus-1"),
            pytest.param("x", "1" + "0" * 400, 422, id="x-400-digits"),
            pytest.param("x", "1" + "0" * 5000, 400, id="x-5000-digits"),
            pytest.param("x", '"' + "9" * 5000 + '"', 422, id="x-5000-digit-string"),
            pytest.param("x", "true", 422, id="x-true"),
            pytest.param("x", "false", 422, id="x-false"),
            pytest.param("x", "null", 422, id="x-null"),
            pytest.param("x", "[]", 422, id="x-list"),
            pytest.param("x", "[1]", 422, id="x-list-of-one"),
            pytest.param("x", "{}", 422, id="x-object"),
            pytest.param("x", '""', 422, id="x-empty-string"),
            pytest.param("x", '"1_000"', 422, id="x-underscores"),
            pytest.param("x", '"0x10"', 422, id="x-hex-string"),
            pytest.param("x", '"\\u0661\\u0662"', 422, id="x-arabic-digits"),
            pytest.param("x", '"12abc"', 422, id="x-trailing-letters"),
            pytest.param("x", '"1 2"', 422, id="x-inner-space"),
            pytest.param("x", "1e7", 422, id="x-over-max"),
            pytest.param("count", str(2**63), 422, id="count-2pow63"),
            pytest.param("count", str(-(2**63) - 1), 422, id="count-minus-2pow63-1"),
            pytest.param("count", f'"{2**63}"', 422, id="count-2pow63-string"),
            pytest.param("count", "1.5", 422, id="count-fraction"),
            pytest.param("count", "1e300", 422, id="count-1e300"),
            pytest.param("count", "true", 422, id="count-true"),
            pytest.param("count", '"1_0"', 422, id="count-underscores"),
            pytest.param("count", "-1", 422, id="count-below-min"),
            pytest.param("label", "1", 422, id="label-number"),
            pytest.param("label", '["a"]', 422, id="label-list"),
            pytest.param("label", '[{"a": 1}]', 422, id="label-list-of-objects"),
            pytest.param("label", '{"a": 1}', 422, id="label-object"),
        ],
    )
    def test_hostile_value_is_refused(
        self, target: Target, field: str, value: str, status: int
    ) -> None:
        """A hostile value is a 422 naming its record and field (400 if not JSON)."""
        record = f'"x": 1, "{field}": {value}' if field != "x" else f'"x": {value}'
        response = send(target, "POST", ECHO, f"[{{{record}}}]".encode(), JSON)
        error = assert_error(response, status)
        if status == 422:
            assert set(error["errors"]) == {"0"}
            assert set(error["errors"]["0"]) == {field}

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            pytest.param('" 12 "', 12.0, id="padded-string"),
            pytest.param('"12"', 12.0, id="string"),
            pytest.param('"-1.5e3"', -1500.0, id="exponent-string"),
            pytest.param('".5"', 0.5, id="leading-dot"),
            pytest.param("12", 12.0, id="integer"),
        ],
    )
    def test_plain_number_strings_are_served(
        self, target: Target, value: str, expected: float
    ) -> None:
        """Plain decimal spellings are coerced and predicted."""
        body = f'[{{"x": {value}, "count": "3"}}]'.encode()
        response = send(target, "POST", ECHO, body, JSON)
        assert response.status_code == 200
        assert response.json()["predictions"] == [expected]


# ----------------------------------------------------------------- strings


class TestStrings:
    """Odd and long strings are refused without being echoed back."""

    @pytest.mark.parametrize(
        "label",
        [
            pytest.param('"\\u0000"', id="nul"),
            pytest.param('"a\\u0000b"', id="nul-inside"),
            pytest.param('"\\u202eb"', id="rtl-override"),
            pytest.param('"\\ud83d\\ude00"', id="emoji-escaped"),
            pytest.param('"\U0001f600"', id="emoji-raw"),
            pytest.param('"a\\u0301"', id="combining-accent"),
            pytest.param('"\\ufeffa"', id="bom-prefix"),
            pytest.param('"A"', id="wrong-case"),
            pytest.param('"' + "a" * 100_000 + '"', id="100k-chars"),
        ],
    )
    def test_odd_label_is_422(self, target: Target, label: str) -> None:
        """A label outside the allowed set is a small 422 on that field."""
        body = f'[{{"x": 1, "label": {label}}}]'.encode()
        error = assert_error(send(target, "POST", ECHO, body, JSON), 422)
        assert set(error["errors"]["0"]) == {"label"}

    def test_lone_surrogate_label_is_400(self, target: Target) -> None:
        """A lone surrogate escape in a label is not strict JSON: a 400."""
        body = b'[{"x": 1, "label": "a\\udfffb"}]'
        assert_error(send(target, "POST", ECHO, body, JSON), 400)

    def test_long_number_string_is_not_echoed(self, target: Target) -> None:
        """A 500 KB string in x is a 422 whose body stays small."""
        body = b'[{"x": "' + b"1" * 500_000 + b'"}]'
        error = assert_error(send(target, "POST", ECHO, body, JSON), 422)
        assert set(error["errors"]["0"]) == {"x"}

    def test_long_values_are_cut_in_partial_errors(self, target: Target) -> None:
        """With ?partial=true the errors of long values are cut short too."""
        bad = {"x": "z" * 300_000, "label": "q" * 300_000}
        body = json.dumps([bad, {"x": 3}]).encode()
        response = send(target, "POST", ECHO + "?partial=true", body, JSON)
        assert response.status_code == 200
        assert len(response.content) < ERROR_BODY_BOUND
        assert response.json()["predictions"] == [None, 3.0]

    def test_long_unknown_key_is_ignored(self, target: Target) -> None:
        """A 100 KB unknown key beside a valid x is ignored: 200."""
        body = b'[{"x": 4, "' + b"k" * 100_000 + b'": 1}]'
        response = send(target, "POST", ECHO, body, JSON)
        assert response.status_code == 200
        assert response.json()["predictions"] == [4.0]

    def test_half_mib_ignored_field_is_served(self, target: Target) -> None:
        """A 512 KiB string in an ignored field stays under the 1 MiB cap: 200."""
        body = b'[{"x": 5, "note": "' + b"n" * (CAP // 2) + b'"}]'
        response = send(target, "POST", ECHO, body, JSON)
        assert response.status_code == 200
        assert response.json()["predictions"] == [5.0]

    @pytest.mark.parametrize(
        ("field", "size"),
        [
            pytest.param("label", 2 * MIB, id="2mib-label"),
            pytest.param("note", MIB, id="1mib-ignored-field"),
        ],
    )
    def test_string_over_the_cap_is_413(
        self, target: Target, field: str, size: int
    ) -> None:
        """A body carrying a string of the cap's size or more is a small 413."""
        prefix = f'[{{"x": 1, "{field}": "'.encode()
        suffix = b'"}]'
        length = len(prefix) + size + len(suffix)
        assert length > CAP
        pieces = itertools.chain([prefix], filler(size), [suffix])
        response, _ = stream(target.port, post_head(ECHO, length), pieces)
        assert response.status == 413
        assert_raw_refused(response)


# ------------------------------------------------------------------- sizes


def _v2_body(padding: int) -> bytes:
    """Return a valid V2 inference request padded with a long `id`."""
    request = {
        "id": "p" * padding,
        "inputs": [{"name": "x", "shape": [1], "datatype": "FP64", "data": [1.0]}],
    }
    return json.dumps(request).encode()


class TestSizes:
    """Bodies over ROOST_MAX_BODY_BYTES are a 413, however they are framed."""

    def test_32_mib_body_is_413(self, target: Target) -> None:
        """A 32 MiB body is refused with 413 before the server reads it all."""
        size = 32 * MIB
        response, sent = stream(target.port, post_head(ECHO, size), filler(size))
        assert response.status == 413
        assert_raw_refused(response)
        assert sent < size

    def test_32_mib_body_is_413_at_the_default_cap(
        self, default_target: Target
    ) -> None:
        """With the default 8 MiB cap a 32 MiB body is a 413 as well."""
        size = 32 * MIB
        head = post_head(ECHO, size)
        response, sent = stream(default_target.port, head, filler(size))
        assert response.status == 413
        assert_raw_refused(response)
        assert str(DEFAULT_CAP) in json.loads(response.body)["error"]
        assert sent < size

    def test_declared_10_gib_is_413_at_once(self, target: Target) -> None:
        """Headers declaring 10 GiB get a prompt 413, before any body is read."""
        with socket.create_connection(("127.0.0.1", target.port), timeout=5) as sock:
            sock.sendall(post_head(ECHO, 10 * 1024**3))
            response = read_response(sock)
        assert response.status == 413
        assert response.waited < 2
        assert_raw_refused(response)

    def test_chunked_body_over_the_cap_is_413(self, target: Target) -> None:
        """A chunked body growing past the cap is a 413 once the cap is passed."""
        total = 16 * CAP  # far more than socket buffers can hold
        pieces = chunked(itertools.chain([b"["], filler(total)))
        response, sent = stream(target.port, post_head(ECHO), pieces)
        assert response.status == 413
        assert_raw_refused(response)
        assert sent < total

    def test_chunked_body_within_the_cap_is_served(self, target: Target) -> None:
        """A small valid body sent in chunks is read whole and predicted: 200."""
        body = b'[{"x": 6}, {"x": "7"}]'
        payload = (
            post_head(ECHO, extra="Connection: close\r\n")
            + b"".join(chunked([body[:5], body[5:12], body[12:]]))
            + b"0\r\n\r\n"
        )
        response = exchange(target.port, payload)
        assert response.status == 200, response.body[:300]
        assert json.loads(response.body)["predictions"] == [6.0, 7.0]

    def test_v2_infer_body_over_the_cap_is_413(self, target: Target) -> None:
        """The V2 infer route honours the body cap too: a 2 MiB request is a 413."""
        body = _v2_body(2 * MIB)
        response = send(target, "POST", "/v2/models/echo/infer", body, JSON)
        assert_error(response, 413)

    def test_v2_gzip_bomb_is_413(self, target: Target) -> None:
        """A small gzip body that inflates past the cap is a 413, not inflated."""
        body = gzip.compress(_v2_body(4 * MIB))
        assert len(body) < CAP // 100
        headers = {**JSON, "Content-Encoding": "gzip"}
        response = send(target, "POST", "/v2/models/echo/infer", body, headers)
        assert_error(response, 413)

    def test_v2_repository_index_body_over_the_cap_is_413(self, target: Target) -> None:
        """The V2 repository index refuses a body over the cap with a 413."""
        body = b'{"ready": true, "pad": "' + b"p" * (2 * MIB) + b'"}'
        response = send(target, "POST", "/v2/repository/index", body, JSON)
        assert_error(response, 413)


# ------------------------------------------------------------ HTTP framing

_BODY = GOOD
_CHUNKED_BODY = b"%x\r\n" % len(_BODY) + _BODY + b"\r\n0\r\n\r\n"
_POST = f"POST {ECHO} HTTP/1.1"
_GET = "GET /health HTTP/1.1"


def raw(line: str, *headers: str, body: bytes = b"") -> bytes:
    """Build a raw request: the request line, Host, `headers`, a blank line, body."""
    head = "".join(f"{text}\r\n" for text in (line, "Host: 127.0.0.1", *headers))
    return head.encode("latin-1") + b"\r\n" + body


class TestFraming:
    """Broken HTTP framing is refused by gunicorn or roost and hurts nothing."""

    @pytest.mark.parametrize(
        "payload",
        [
            pytest.param(
                raw(
                    _POST,
                    "Content-Length: 4",
                    "Transfer-Encoding: chunked",
                    body=b"0\r\n\r\nGET /v1/models HTTP/1.1\r\nHost: x\r\n\r\n",
                ),
                id="te-and-cl-smuggling",
            ),
            pytest.param(
                raw(_POST, "Content-Length: 10", "Content-Length: 3", body=_BODY),
                id="two-content-lengths",
            ),
            pytest.param(
                raw(_POST, "Content-Length: 10, 3", body=_BODY),
                id="content-length-list",
            ),
            pytest.param(raw(_POST, "Content-Length: -1"), id="negative-length"),
            pytest.param(
                raw(_POST, "Content-Length: +10", body=_BODY), id="plus-length"
            ),
            pytest.param(raw(_POST, "Content-Length: ten"), id="text-length"),
            pytest.param(
                raw(
                    _POST,
                    "Transfer-Encoding: chunked",
                    "Transfer-Encoding: chunked",
                    body=_CHUNKED_BODY,
                ),
                id="two-transfer-encodings",
            ),
            pytest.param(
                raw(_POST, "Transfer-Encoding: chunked, identity", body=_CHUNKED_BODY),
                id="te-chunked-identity",
            ),
            pytest.param(
                raw(
                    _POST,
                    "Transfer-Encoding: chunked",
                    "Connection: close",
                    body=b"zz\r\n" + _BODY + b"\r\n0\r\n\r\n",
                ),
                id="bad-chunk-size",
            ),
            pytest.param(
                raw(
                    _POST,
                    "Transfer-Encoding: chunked",
                    "Connection: close",
                    body=b"f" * 40 + b"\r\n" + _BODY,
                ),
                id="huge-chunk-size",
            ),
            pytest.param(raw(_GET, "X-Folded: a\r\n b"), id="obs-fold"),
            pytest.param(raw(_GET, "X-Long: " + "a" * 20_000), id="header-20kb"),
            pytest.param(
                raw(_GET, *(f"X-H{i}: v" for i in range(200))), id="200-headers"
            ),
            pytest.param(raw(f"GET /{'a' * 20_000} HTTP/1.1"), id="request-line-20kb"),
            pytest.param(b"GET /\r\n", id="http-0.9"),
            pytest.param(b"GET /health HTTP/1.1\nHost: x\n\n", id="bare-lf"),
            pytest.param(raw(_GET, "X-A: a\x00b"), id="nul-in-header"),
            pytest.param(raw(_GET, "X A: b"), id="space-in-header-name"),
            pytest.param(raw(_GET, "NoColon"), id="header-without-colon"),
            pytest.param(raw("G(T /health HTTP/1.1"), id="bad-method"),
            pytest.param(raw("GET /health HTTP/9.9"), id="http-9.9"),
            pytest.param(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", id="http2-preface"),
            pytest.param(b"\x00\xffGARBAGE\r\n\r\n", id="binary-garbage"),
        ],
    )
    def test_broken_framing_is_refused(self, target: Target, payload: bytes) -> None:
        """The answer is a 4xx (JSON when roost's) or a closed connection."""
        with socket.create_connection(
            ("127.0.0.1", target.port), timeout=RAW_TIMEOUT
        ) as sock:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                sock.sendall(payload)
            response = read_response(sock)
            assert_raw_refused(response)
            if response.status is not None and response.header("Connection") != "close":
                # Nothing smuggled in the body may be answered as a second request.
                sock.settimeout(1)
                with contextlib.suppress(TimeoutError):
                    assert _recv(sock) == b""

    @pytest.mark.parametrize(
        ("payload", "status", "title", "said"),
        [
            pytest.param(
                raw(f"GET /v1/models?q={'a' * 9_000} HTTP/1.1"),
                414,
                "URI Too Long",
                "Request Line is too large",
                id="request-line-over-8190",
            ),
            pytest.param(
                raw(_GET, *(f"X-H{i}: v" for i in range(200))),
                431,
                "Request Header Fields Too Large",
                "Error parsing headers",
                id="200-headers",
            ),
            pytest.param(
                raw("GET /health HTTP/9.9"),
                400,
                "Bad Request",
                "Invalid HTTP Version",
                id="http-9.9",
            ),
        ],
    )
    def test_gunicorns_refusals_are_json(
        self, target: Target, payload: bytes, status: int, title: str, said: str
    ) -> None:
        """The status and message gunicorn chose, in roost's JSON shape."""
        with socket.create_connection(
            ("127.0.0.1", target.port), timeout=RAW_TIMEOUT
        ) as sock:
            sock.sendall(payload)
            response = read_response(sock)
        assert response.status == status
        body = assert_gunicorn_refusal(response)
        assert body["title"] == title
        assert said in body["error"]

    def test_unknown_transfer_coding_is_refused(self, target: Target) -> None:
        """An unknown transfer coding is refused: a 4xx, gunicorn's 501, or a close."""
        # RFC 9112 section 6.1 asks for 501 here, so gunicorn's own 501 is fine.
        payload = raw(
            _POST,
            "Transfer-Encoding: xchunked",
            "Connection: close",
            body=_CHUNKED_BODY,
        )
        response = exchange(target.port, payload)
        if response.status == 501:
            assert response.header("X-Request-ID") is None  # gunicorn, not roost
        else:
            assert_raw_refused(response)

    def test_absolute_uri_to_another_host_is_not_proxied(self, target: Target) -> None:
        """An absolute-form URI naming another host is served locally or refused."""
        # RFC 9112 section 3.2.2 lets a server accept absolute-form; what must
        # not happen is a request forwarded to the other host.
        payload = (
            b"GET http://169.254.169.254/health HTTP/1.1\r\n"
            b"Host: 169.254.169.254\r\nConnection: close\r\n\r\n"
        )
        response = exchange(target.port, payload)
        if response.status is not None and response.status < 400:
            assert response.status == 200
            assert json.loads(response.body) == {"status": "ok"}
        else:
            assert_raw_refused(response)

    def test_slowloris_leaves_health_answering(self, target: Target) -> None:
        """Four connections trickling header bytes never slow /health down."""
        slow = [
            socket.create_connection(("127.0.0.1", target.port), timeout=5)
            for _ in range(4)
        ]
        try:
            for sock in slow:
                sock.sendall(f"{_POST}\r\n".encode())
            worst = 0.0
            started = time.monotonic()
            while time.monotonic() - started < 3:
                for sock in slow:
                    with contextlib.suppress(OSError):
                        sock.sendall(b"X")
                asked = time.monotonic()
                assert requests.get(target.url("/health"), timeout=2).status_code == 200
                worst = max(worst, time.monotonic() - asked)
                time.sleep(0.5)
            assert worst < 1.0
        finally:
            for sock in slow:
                sock.close()

    @pytest.mark.parametrize("kind", [SLOW_HEADERS, SLOW_BODY])
    def test_slow_request_is_cut_at_its_timeout(
        self, target: Target, kind: str
    ) -> None:
        """Headers or a body trickled a byte at a time are cut within 2 s + 1 s."""
        clients = SlowClients(target.port, path=ECHO)
        try:
            clients.open(**{kind.replace("-", "_"): 2})
            clients.drive(seconds=SLOW_TIMEOUT + 5)
        finally:
            clients.stop()
        for connection in clients.connections:
            assert connection.ended is not None, "a slow connection was left open"
            assert connection.lasted <= SLOW_TIMEOUT + 1.0
            assert connection.status == (408 if kind == SLOW_BODY else None)


# --------------------------------------------------------------- the log


#: Seconds the access log may lag behind the answers it records.
LOG_LAG = 5.0


def _burst() -> list[tuple[str, str, str, bytes, dict[str, str]]]:
    """Return a few cases of each kind above, as (id, method, path, body, headers)."""
    return [
        ("truncated-json", "POST", ECHO, b'[{"x": 1', JSON),
        ("nested-lists", "POST", ECHO, b"[" * 100_000 + b"]" * 100_000, JSON),
        ("invalid-utf8", "POST", ECHO, b'[{"x": 1, "label": "\xff\xfe"}]', JSON),
        ("text-plain", "POST", ECHO, GOOD, {"Content-Type": "text/plain"}),
        ("put-predict", "PUT", "/v1/models/echo/predict", GOOD, JSON),
        ("trace-predict", "TRACE", ECHO, GOOD, JSON),
        ("dotdot", "POST", "/v1/models/../../etc/passwd/predict", GOOD, JSON),
        ("nul-in-name", "POST", "/v1/models/echo%00/predict", GOOD, JSON),
        ("record-null", "POST", ECHO, b"[null]", JSON),
        (
            "records-over-limit",
            "POST",
            ECHO,
            json.dumps([{"x": 1}] * (MAX_RECORDS + 1)).encode(),
            JSON,
        ),
        ("fields-over-limit", "POST", ECHO, record_with_keys(MAX_FIELDS + 1), JSON),
        ("x-1e400", "POST", ECHO, b'[{"x": 1e400}]', JSON),
        ("x-nan-string", "POST", ECHO, b'[{"x": "nan"}]', JSON),
        ("count-2pow63", "POST", ECHO, b'[{"x": 1, "count": %d}]' % 2**63, JSON),
        (
            "label-100k",
            "POST",
            ECHO,
            b'[{"x": 1, "label": "%s"}]' % (b"a" * 100_000),
            JSON,
        ),
        ("v2-over-cap", "POST", "/v2/models/echo/infer", _v2_body(2 * MIB), JSON),
        (
            "v2-gzip-bomb",
            "POST",
            "/v2/models/echo/infer",
            gzip.compress(_v2_body(4 * MIB)),
            {**JSON, "Content-Encoding": "gzip"},
        ),
    ]


#: Broken framing that gunicorn or roost refuses, sent on raw sockets.
_RAW_BURST = [
    raw(
        _POST,
        "Content-Length: 4",
        "Transfer-Encoding: chunked",
        body=b"0\r\n\r\nGET /v1/models HTTP/1.1\r\nHost: x\r\n\r\n",
    ),
    raw(
        _POST,
        "Transfer-Encoding: chunked",
        "Connection: close",
        body=b"zz\r\n" + _BODY + b"\r\n0\r\n\r\n",
    ),
    raw(_GET, "X-A: a\x00b"),
    b"\x00\xffGARBAGE\r\n\r\n",
]


def wait_for_log_of(target: Target, offset: int, request_ids: list[str]) -> str:
    """Return the log after `offset` once it records every request in `request_ids`.

    gunicorn writes the access line after the answer, so the log may lag;
    a traceback would come before the access line of its request.
    """
    deadline = time.monotonic() + LOG_LAG
    while True:
        log = target.log_since(offset)
        missing = [rid for rid in request_ids if f"rid={rid} " not in log]
        if not missing or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert not missing, f"no access line for {missing} in:\n{log[-3000:]}"
    return log


class TestServerLog:
    """Client errors leave no traceback in the server's log."""

    def test_hostile_burst_logs_no_traceback(self, target: Target) -> None:
        """Hostile requests of every kind log no traceback and kill no worker."""
        offset = target.log_size()
        request_ids = []
        for case, method, path, body, headers in _burst():
            response = send(target, method, path, body, headers)
            assert 400 <= response.status_code < 500, (case, response.status_code)
            request_ids.append(response.headers["X-Request-ID"])
        for payload in _RAW_BURST:
            assert_raw_refused(exchange(target.port, payload))
        assert_clean_log(wait_for_log_of(target, offset, request_ids))
