"""Deadline-bound reads: a whole deadline per request part, not per recv."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
from gunicorn.http.errors import NoMoreData

from roost.core.runtime.read_deadlines import (
    BodyTimeoutError,
    DeadlineReads,
    HeaderTimeoutError,
)

#: How late past its deadline a read may fail.
MARGIN = 0.5


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    """A connected (server, client) pair of real sockets."""
    server, client = socket.socketpair()
    try:
        yield server, client
    finally:
        server.close()
        client.close()


def trickle(sock: socket.socket, stop: threading.Event) -> threading.Thread:
    """Send one byte every 50 ms until `stop` is set, in a thread."""

    def run() -> None:
        while not stop.wait(0.05):
            try:
                sock.send(b"x")
            except OSError:
                return

    thread = threading.Thread(target=run)
    thread.start()
    return thread


class TestDeadlineReads:
    """`DeadlineReads` bounds the sum of reads, and never drops received bytes."""

    def test_reads_freely_without_a_deadline(
        self, pair: tuple[socket.socket, socket.socket]
    ) -> None:
        """Unarmed, recv is the socket's own."""
        server, client = pair
        client.sendall(b"GET /")
        assert DeadlineReads(server).recv(100) == b"GET /"

    def test_silent_client_fails_the_headers_at_the_deadline(
        self, pair: tuple[socket.socket, socket.socket]
    ) -> None:
        """Nothing sent: the header read fails as gunicorn's NoMoreData, in time."""
        server, _ = pair
        reads = DeadlineReads(server)
        reads.expect_headers(time.monotonic() + 0.3, 0.3)
        started = time.monotonic()
        with pytest.raises(HeaderTimeoutError) as raised:
            reads.recv(100)
        assert time.monotonic() - started < 0.3 + MARGIN
        assert isinstance(raised.value, NoMoreData)
        assert "0.3 s" in str(raised.value)
        assert reads.expired

    def test_trickling_client_is_cut_at_the_deadline(
        self, pair: tuple[socket.socket, socket.socket]
    ) -> None:
        """A byte every 50 ms keeps a per-read timeout happy, never the deadline."""
        server, client = pair
        stop = threading.Event()
        sender = trickle(client, stop)
        reads = DeadlineReads(server)
        reads.expect_body(0.5)
        started = time.monotonic()
        received = b""
        try:
            with pytest.raises(BodyTimeoutError):
                while True:
                    received += reads.recv(100)
        finally:
            stop.set()
            sender.join()
        assert received
        assert 0.5 <= time.monotonic() - started < 0.5 + MARGIN
        assert isinstance(BodyTimeoutError(1), TimeoutError)

    def test_bytes_received_before_a_late_read_are_still_read(
        self, pair: tuple[socket.socket, socket.socket]
    ) -> None:
        """A request that waited for a thread past its deadline is read whole."""
        server, client = pair
        client.sendall(b"GET /health HTTP/1.1\r\n\r\n")
        reads = DeadlineReads(server)
        reads.expect_headers(time.monotonic() - 5, 1)
        assert reads.recv(100) == b"GET /health HTTP/1.1\r\n\r\n"
        with pytest.raises(HeaderTimeoutError):
            reads.recv(100)

    def test_expiry_marks_the_request_and_every_later_read_fails(
        self, pair: tuple[socket.socket, socket.socket]
    ) -> None:
        """Past the body deadline the callback runs once and reads fail at once."""
        server, client = pair
        calls: list[str] = []
        reads = DeadlineReads(server)
        reads.expect_body(0.1, lambda: calls.append("close"))
        with pytest.raises(BodyTimeoutError):
            reads.recv(100)
        client.sendall(b"late")
        with pytest.raises(BodyTimeoutError):
            reads.recv(100)
        assert calls == ["close"]

    def test_a_shorter_timeout_of_the_caller_is_its_own(
        self, pair: tuple[socket.socket, socket.socket]
    ) -> None:
        """A shorter timeout of gunicorn's body drain is a plain timeout, no expiry."""
        server, _ = pair
        reads = DeadlineReads(server)
        reads.expect_body(30)
        reads.settimeout(0.1)
        with pytest.raises(TimeoutError) as raised:
            reads.recv(100)
        assert not isinstance(raised.value, BodyTimeoutError)
        assert not reads.expired
        assert reads.gettimeout() == pytest.approx(0.1)

    def test_disarmed_reads_have_no_deadline(
        self, pair: tuple[socket.socket, socket.socket]
    ) -> None:
        """Between requests the socket waits as long as gunicorn lets it."""
        server, client = pair
        reads = DeadlineReads(server)
        reads.expect_headers(time.monotonic() - 1, 1)
        reads.disarm()
        threading.Timer(0.2, client.sendall, args=(b"next",)).start()
        assert reads.recv(100) == b"next"
