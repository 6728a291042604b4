"""Test support: clients that send requests too slowly, on raw sockets.

Each connection either sends nothing, trickles its header block one byte a
tick, or sends whole headers and trickles its body. One loop drives them all
(hundreds at once) and records when the server answered or closed each one.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading
import time
from dataclasses import dataclass, field

#: How often every open connection sends its next byte (seconds).
TICK = 0.25
#: Kinds of slow connection.
IDLE, SLOW_HEADERS, SLOW_BODY = "idle", "slow-headers", "slow-body"


@dataclass(eq=False)
class SlowConnection:
    """One slow client's socket and what happened to it."""

    kind: str
    sock: socket.socket
    #: When the connection was made (monotonic).
    opened: float
    #: When its header block was complete (slow-body only).
    headers_sent: float | None = None
    #: When the server closed it or answered (monotonic); None: still open.
    ended: float | None = None
    #: The status the server answered with, if it answered before closing.
    status: int | None = None
    received: bytes = b""

    @property
    def lasted(self) -> float:
        """Seconds from the start of the slow part to the end (or now)."""
        start = self.headers_sent if self.headers_sent is not None else self.opened
        return (self.ended if self.ended is not None else time.monotonic()) - start


@dataclass
class SlowClients:
    """Slow connections to one address, driven together until told to stop."""

    port: int
    host: str = "127.0.0.1"
    #: The clients' own address: another loopback address is another client.
    source: str = "127.0.0.1"
    path: str = "/v1/models/echo/predict"
    connections: list[SlowConnection] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def _connect(self, kind: str) -> SlowConnection:
        sock = socket.create_connection(
            (self.host, self.port), timeout=5, source_address=(self.source, 0)
        )
        connection = SlowConnection(kind, sock, time.monotonic())
        self.connections.append(connection)
        return connection

    def open(self, idle: int = 0, slow_headers: int = 0, slow_body: int = 0) -> None:
        """Open connections of each kind and send what each sends at once."""
        for _ in range(idle):
            self._connect(IDLE)
        for _ in range(slow_headers):
            connection = self._connect(SLOW_HEADERS)
            connection.sock.sendall(
                f"POST {self.path} HTTP/1.1\r\nHost: roost\r\nX-Slow: ".encode()
            )
        for _ in range(slow_body):
            connection = self._connect(SLOW_BODY)
            connection.sock.sendall(
                f"POST {self.path} HTTP/1.1\r\nHost: roost\r\n"
                "Content-Type: application/json\r\n"
                "Content-Length: 100000\r\n\r\n[".encode()
            )
            connection.headers_sent = time.monotonic()
        for connection in self.connections:
            connection.sock.setblocking(False)

    def open_now(self) -> list[SlowConnection]:
        """Return the connections the server has neither answered nor closed."""
        return [c for c in self.connections if c.ended is None]

    def drive(self, seconds: float) -> None:
        """Trickle bytes and watch for answers for `seconds`, or until all ended."""
        deadline = time.monotonic() + seconds
        with selectors.DefaultSelector() as selector:
            for connection in self.open_now():
                selector.register(connection.sock, selectors.EVENT_READ, connection)
            while (
                time.monotonic() < deadline
                and self.open_now()
                and not self._stop.is_set()
            ):
                for connection in self.open_now():
                    self._trickle(connection, selector)
                tick_end = time.monotonic() + TICK
                while (left := tick_end - time.monotonic()) > 0:
                    for key, _ in selector.select(left):
                        self._receive(key.data, selector)

    def start(self, seconds: float) -> None:
        """Drive the connections in a background thread."""
        self._thread = threading.Thread(target=self.drive, args=(seconds,))
        self._thread.start()

    def stop(self) -> None:
        """Stop driving and close every connection."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        for connection in self.connections:
            connection.sock.close()

    @staticmethod
    def _end(connection: SlowConnection, selector: selectors.BaseSelector) -> None:
        connection.ended = time.monotonic()
        with contextlib.suppress(KeyError, ValueError):
            selector.unregister(connection.sock)

    def _trickle(
        self, connection: SlowConnection, selector: selectors.BaseSelector
    ) -> None:
        if connection.kind == IDLE:
            return
        try:
            connection.sock.send(b"a" if connection.kind == SLOW_HEADERS else b" ")
        except BlockingIOError:
            pass  # the server stopped reading: its buffers are full
        except OSError:
            self._end(connection, selector)

    def _receive(
        self, connection: SlowConnection, selector: selectors.BaseSelector
    ) -> None:
        try:
            data = connection.sock.recv(65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if data:
            connection.received += data
            head = connection.received.split(b"\r\n", 1)[0].split()
            if connection.status is None and len(head) > 1 and head[1].isdigit():
                connection.status = int(head[1])
                self._end(connection, selector)  # answered: no longer waiting
            return
        self._end(connection, selector)
