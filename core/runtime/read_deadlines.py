"""Deadlines for reading a request: its headers, then its body, each as a whole.

A per-read socket timeout cannot bound a slow client: one byte per second
resets it forever. `DeadlineReads` stands between gunicorn's request parser
and the client socket and gives every `recv` only what is left of one
deadline. Bytes already received are always read, however late, so a
request that waited in the queue for a free thread is never cut for it.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from dataclasses import dataclass

from gunicorn.http.errors import NoMoreData

__all__ = [
    "BodyTimeoutError",
    "DeadlineReads",
    "HeaderTimeoutError",
    "ReadDeadlines",
]

#: Shortest wait a late read gets: enough to take bytes already received.
_LAST_LOOK = 0.001
#: recv's flag to take only bytes already received, where the platform has it.
_NOW_ONLY = getattr(socket, "MSG_DONTWAIT", 0)


@dataclass(frozen=True)
class ReadDeadlines:
    """Seconds a client gets for a request's headers, and for its body."""

    header: float
    body: float


class HeaderTimeoutError(NoMoreData):
    """The request's headers did not arrive in time.

    A `NoMoreData`, so gunicorn closes the connection quietly, as it does
    for a client that hangs up mid-request.
    """

    def __init__(self, seconds: float) -> None:
        super().__init__(b"")
        self.seconds = seconds

    def __str__(self) -> str:
        return f"no complete request headers within {self.seconds:g} s"


class BodyTimeoutError(TimeoutError):
    """The request's body did not arrive in time (the app answers 408)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"the body did not arrive within {seconds:g} s")
        self.seconds = seconds


class DeadlineReads:
    """The receiving side of a client socket, bounded by the current deadline.

    gunicorn's parser reads through `recv` only (and sets timeouts when it
    drains a body); responses are written to the socket itself.
    """

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self._deadline: float | None = None
        self._seconds = 0.0
        self._error: type[HeaderTimeoutError | BodyTimeoutError] = HeaderTimeoutError
        self._on_expiry: Callable[[], None] | None = None
        #: Set once a deadline passed: the connection must not be reused.
        self.expired = False

    def expect_headers(self, deadline: float, seconds: float) -> None:
        """Bound the reads of a request's headers by `deadline` (monotonic)."""
        self._arm(deadline, seconds, HeaderTimeoutError)

    def expect_body(
        self, seconds: float, on_expiry: Callable[[], None] | None = None
    ) -> None:
        """Bound the reads of the body to `seconds` from now.

        `on_expiry` runs once if the deadline passes, before the read fails
        (the worker marks the request for closing, so the 408 says so).
        """
        self._arm(time.monotonic() + seconds, seconds, BodyTimeoutError)
        self._on_expiry = on_expiry

    def disarm(self) -> None:
        """Read without a deadline again (between requests)."""
        self._deadline = None
        self._on_expiry = None

    def _arm(
        self,
        deadline: float,
        seconds: float,
        error: type[HeaderTimeoutError | BodyTimeoutError],
    ) -> None:
        self._deadline = deadline
        self._seconds = seconds
        self._error = error
        self._on_expiry = None

    def recv(self, size: int) -> bytes:
        """Receive up to `size` bytes before the deadline.

        Raises:
            HeaderTimeoutError: the headers' deadline passed with nothing to read.
            BodyTimeoutError: the body's deadline passed with nothing to read.
        """
        if self._deadline is None:
            return self.sock.recv(size)
        if self.expired:
            raise self._error(self._seconds)
        outer = self.sock.gettimeout()
        if _NOW_ONLY and outer is None:
            # NOTE: bytes already received (most requests arrive whole) need
            # no timeout: two fewer system calls than setting one and back.
            # Only on a blocking socket: with a timeout, recv polls first.
            try:
                return self.sock.recv(size, _NOW_ONLY)
            except BlockingIOError:
                pass  # nothing yet: wait for it, within the deadline
        wait = max(self._deadline - time.monotonic(), _LAST_LOOK)
        self.sock.settimeout(wait if outer is None else min(wait, outer))
        try:
            return self.sock.recv(size)
        except TimeoutError:
            if time.monotonic() < self._deadline:
                raise  # the caller's own, shorter timeout
            self.expired = True
            if self._on_expiry is not None:
                self._on_expiry()
            raise self._error(self._seconds) from None
        finally:
            self.sock.settimeout(outer)

    def gettimeout(self) -> float | None:
        """Return the socket's own timeout (gunicorn's body drain reads it)."""
        return self.sock.gettimeout()

    def settimeout(self, value: float | None) -> None:
        """Set the socket's own timeout (gunicorn's body drain sets it)."""
        self.sock.settimeout(value)
