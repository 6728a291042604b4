"""Test support: a real HTTP server, in a thread, that keeps what it is posted."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client.parser import text_string_to_metric_families


@dataclass(frozen=True)
class Posted:
    """One request the receiver got: its path, headers (lowercase) and body."""

    path: str
    headers: dict[str, str]
    body: bytes


class Receiver:
    """What a running receiver has been posted, and its URL."""

    def __init__(self, server: ThreadingHTTPServer) -> None:
        self.server = server
        self.posted: list[Posted] = []
        self.lock = threading.Lock()
        host, port = server.server_address[:2]
        self.url = f"http://{host!s}:{port}/events"

    def wait_for(self, count: int, timeout: float = 30.0) -> list[Posted]:
        """Wait until `count` requests arrived; return them all."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.posted) >= count:
                    return list(self.posted)
            time.sleep(0.02)
        with self.lock:
            raise AssertionError(f"{len(self.posted)} of {count} events arrived")


@contextlib.contextmanager
def run_receiver() -> Iterator[Receiver]:
    """Serve on a free loopback port until the block ends."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            headers = {key.lower(): value for key, value in self.headers.items()}
            with receiver.lock:
                receiver.posted.append(Posted(self.path, headers, body))
            self.send_response(202)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            """Keep test output quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver = Receiver(server)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def counter_value(exposition: str, name: str, **labels: str) -> float:
    """Read one sample from Prometheus exposition text (0 when absent)."""
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            if sample.name == name and all(
                sample.labels.get(key) == value for key, value in labels.items()
            ):
                return float(sample.value)
    return 0.0
