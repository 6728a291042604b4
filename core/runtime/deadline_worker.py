"""gunicorn's threaded worker, cutting clients too slow to send a request.

gthread reads a request's headers and body on a pool thread with blocking
reads and no timeout, so a client that trickles bytes keeps that thread for
as long as it likes: `threads` x `workers` such clients take every thread and
`/health` stops answering. `DeadlineThreadWorker` gives each request two
deadlines:

- the headers are due `header` seconds after the connection was accepted,
  or, on a kept-alive connection, after the next request's first byte;
- the body is due `body` seconds after the end of the headers.

A client past either deadline is disconnected at once (after a 408 when the
app was reading its body), without gunicorn's usual graceful drain, which
would wait on the slow client again. Until then each slow client still holds
one thread; a buffering proxy in front (deploy/edge) is what makes them free.
"""

from __future__ import annotations

import time
import weakref
from concurrent.futures import Future
from dataclasses import dataclass
from functools import partial
from typing import Any, cast

from gunicorn.http import Request
from gunicorn.http.parser import RequestParser
from gunicorn.http.unreader import SocketUnreader
from gunicorn.workers import gthread
from gunicorn.workers.gthread import DEFAULT_WORKER_DATA_TIMEOUT, TConn

from roost.core.runtime.read_deadlines import DeadlineReads, ReadDeadlines
from roost.core.runtime.workers import BalancedThreadWorker

__all__ = ["DeadlineThreadWorker"]

#: gthread's answer from `handle` that parks a silent connection on the poller.
_DEFER = cast(bool, getattr(gthread, "_DEFER"))  # noqa: B009 - not in the stubs


@dataclass
class _Watch:
    """One connection's clock and reads, for the request under way."""

    #: When the current request's headers began to be due; None between requests.
    since: float | None = None
    reads: DeadlineReads | None = None
    #: Too slow: close without draining.
    cut: bool = False


def _must_close(req: Request) -> None:
    """Make the answer to a cut request say `Connection: close`."""
    req.must_close = True


class DeadlineThreadWorker(BalancedThreadWorker):
    """Balanced gthread with deadlines for each request's headers and body.

    The master attaches `roost_deadlines` before forking (roost's pre_fork
    hook); without it, or over TLS, this is `BalancedThreadWorker`.
    """

    roost_deadlines: ReadDeadlines | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._watches: weakref.WeakKeyDictionary[TConn, _Watch] = (
            weakref.WeakKeyDictionary()
        )

    def _active(self) -> ReadDeadlines | None:
        return None if self.cfg.is_ssl else self.roost_deadlines

    def enqueue_req(self, conn: TConn) -> None:
        """Hand a connection to a thread; its request's clock starts if not yet."""
        if self._active() is not None:
            watch = self._watches.setdefault(conn, _Watch())
            if watch.since is None:
                watch.since = time.monotonic()
        super().enqueue_req(conn)

    def handle(self, conn: TConn) -> bool:
        """Serve one request with its headers and body under their deadlines."""
        deadlines = self._active()
        watch = self._watches.get(conn)
        if deadlines is None or watch is None:
            return super().handle(conn)
        header_due = (watch.since or time.monotonic()) + deadlines.header
        if not conn.initialized and not conn.data_ready:
            left = max(header_due - time.monotonic(), 0.0)
            if not conn.wait_for_data(min(DEFAULT_WORKER_DATA_TIMEOUT, left)):
                if time.monotonic() < header_due:
                    return _DEFER  # silent so far: wait on the poller, not a thread
                watch.cut = True
                return False
        conn.sock.setblocking(True)
        conn.init()
        reads = self._reads(conn, watch)
        if reads is None:  # HTTP/2: its own framing and flow control
            return super().handle(conn)
        reads.expect_headers(header_due, deadlines.header)
        try:
            return super().handle(conn)
        finally:
            reads.disarm()
            watch.since = None
            watch.cut = reads.expired

    def handle_request(self, req: Request, conn: TConn) -> bool:
        """Start the body's clock: the headers are complete."""
        deadlines = self._active()
        watch = self._watches.get(conn)
        if deadlines is not None and watch is not None and watch.reads is not None:
            watch.reads.expect_body(deadlines.body, partial(_must_close, req))
        return super().handle_request(req, conn)

    def finish_request(self, conn: TConn, fs: Future[bool]) -> None:
        """Close a cut connection at once; bound a parked one by its deadline."""
        watch = self._watches.get(conn)
        if watch is not None and watch.cut:
            self.nr_conns -= 1
            conn.close()
            return
        super().finish_request(conn, fs)
        deadlines = self._active()
        if watch is None or deadlines is None or watch.since is None:
            return
        if conn.timeout is not None:  # parked: gunicorn gave it its keep-alive
            conn.timeout = min(conn.timeout, watch.since + deadlines.header)

    @staticmethod
    def _reads(conn: TConn, watch: _Watch) -> DeadlineReads | None:
        """Put deadline-bound reads under the connection's HTTP/1 parser, once."""
        if watch.reads is None:
            parser = conn.parser
            if not isinstance(parser, RequestParser):
                return None
            if not isinstance(parser.unreader, SocketUnreader):
                return None
            watch.reads = DeadlineReads(conn.sock)
            # NOTE: the parser reads through `recv` alone; typed as a socket.
            unreader: Any = parser.unreader
            unreader.sock = watch.reads
        return watch.reads
