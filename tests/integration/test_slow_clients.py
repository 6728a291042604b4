"""The bare server cuts clients too slow to send their headers or their body.

Real gunicorn, real sockets: slow connections are held open and the time the
server takes to cut each is measured against ROOST_HEADER_TIMEOUT and
ROOST_BODY_TIMEOUT (plus a second).
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from server_harness import RunningServer, run_server
from slow_clients import IDLE, SLOW_BODY, SLOW_HEADERS, SlowClients

pytestmark = pytest.mark.integration

TESTING = {
    "ROOST_ADAPTER_NAMESPACE": "roost.adapters.testing",
    "ROOST_DEFAULT_MODEL": "echo",
}
HEADER_TIMEOUT = 2.0
BODY_TIMEOUT = 3.0
#: How late past its deadline a slow connection may be cut.
MARGIN = 1.0
THREADS = 16


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """One worker of 16 threads with 2 s for headers and 3 s for bodies."""
    log_dir = tmp_path_factory.mktemp("slow-clients")
    with run_server(
        log_dir,
        workers=1,
        ROOST_THREADS=THREADS,
        ROOST_HEADER_TIMEOUT=HEADER_TIMEOUT,
        ROOST_BODY_TIMEOUT=BODY_TIMEOUT,
        ROOST_MODEL_DIR=log_dir / "models",
        **TESTING,
    ) as running:
        yield running


def health_within(server: RunningServer, seconds: float) -> bool:
    """Say whether GET /health answers 200 within `seconds`."""
    try:
        response = requests.get(server.url("/health"), timeout=seconds)
    except requests.RequestException:
        return False
    return response.status_code == 200


class TestDeadlines:
    """Each slow connection is cut within its deadline plus a second."""

    def test_slow_connections_are_cut_within_their_timeouts(
        self, server: RunningServer
    ) -> None:
        """Idle, slow-header and slow-body clients are all cut in time."""
        logged = len(server.log_text())
        clients = SlowClients(server.port)
        try:
            clients.open(idle=2, slow_headers=5, slow_body=5)
            clients.drive(seconds=max(HEADER_TIMEOUT, BODY_TIMEOUT) + 5)
        finally:
            clients.stop()
        assert not clients.open_now(), "the server left slow connections open"
        for connection in clients.connections:
            timeout = BODY_TIMEOUT if connection.kind == SLOW_BODY else HEADER_TIMEOUT
            assert timeout - 0.2 <= connection.lasted <= timeout + MARGIN, (
                connection.kind,
                connection.lasted,
            )
            if connection.kind in (IDLE, SLOW_HEADERS):
                assert connection.status is None  # closed, never answered
            else:
                assert connection.status == 408, connection.received[:300]
                assert b"Connection: close" in connection.received
        assert health_within(server, 1.0)
        assert "Traceback" not in server.log_text()[logged:]

    def test_kept_alive_connection_is_cut_after_its_next_first_byte(
        self, server: RunningServer
    ) -> None:
        """A served connection trickling its next request is cut in time."""
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: roost\r\n\r\n")
            assert sock.recv(65536).startswith(b"HTTP/1.1 200")
            time.sleep(1.0)  # idle time between requests is not counted
            sock.sendall(b"GET /health HTTP/1.1\r\n")
            started = time.monotonic()
            closed = None
            while closed is None and time.monotonic() - started < HEADER_TIMEOUT + 5:
                try:
                    sock.sendall(b"X")
                    sock.settimeout(0.25)
                    if sock.recv(65536) == b"":
                        closed = time.monotonic()
                except TimeoutError:
                    continue
                except OSError:
                    closed = time.monotonic()
        assert closed is not None, "the kept-alive slow request was never cut"
        assert closed - started <= HEADER_TIMEOUT + MARGIN

    def test_request_queued_past_the_deadline_is_still_served(
        self, tmp_path: Path
    ) -> None:
        """A complete request that waited for a busy thread is answered, not cut."""
        with run_server(
            tmp_path,
            workers=1,
            ROOST_THREADS=1,
            ROOST_HEADER_TIMEOUT=1,
            ROOST_REQUEST_DEADLINE=0,
            **TESTING,
            ROOST_MODEL_DIR=tmp_path / "models",
        ) as bare:
            with ThreadPoolExecutor(max_workers=1) as pool:
                busy = pool.submit(
                    bare.post,
                    "/v1/models/sleepy/predict",
                    json=[{"seconds": 2.5}],
                )
                time.sleep(0.5)
                queued = requests.get(bare.url("/health"), timeout=10)
                assert busy.result().status_code == 200
            assert queued.status_code == 200


class TestCapacity:
    """A bare server absorbs threads x workers slow clients, then recovers."""

    def test_health_waits_for_the_cut_when_every_thread_is_held(
        self, server: RunningServer
    ) -> None:
        """With every thread held by a slow client, /health answers after the cut."""
        clients = SlowClients(server.port)
        try:
            clients.open(slow_headers=THREADS)
            clients.start(seconds=HEADER_TIMEOUT + 5)
            time.sleep(0.5)
            asked = time.monotonic()
            assert health_within(server, HEADER_TIMEOUT + 5)
            waited = time.monotonic() - asked
        finally:
            clients.stop()
        # Answered once the deadline freed the threads, not before and not never.
        assert waited <= HEADER_TIMEOUT + MARGIN
        assert waited >= HEADER_TIMEOUT - 1.0
