"""New connections spread over the workers, even when they arrive in a burst."""

from __future__ import annotations

import socket
import time
from collections import Counter
from pathlib import Path

import pytest
from server_harness import RunningServer, run_server, wait_for_workers, worker_pids

pytestmark = pytest.mark.integration

#: Info level, so that each worker logs when its adapters are loaded.
TESTING = {
    "ROOST_ADAPTER_NAMESPACE": "roost.adapters.testing",
    "ROOST_LOG_LEVEL": "info",
}
_ESTABLISHED = "01"
_REQUEST = b"GET /health HTTP/1.1\r\nHost: roost\r\n\r\n"


def connections_per_worker(server: RunningServer) -> Counter[int]:
    """Count the established client connections each worker holds (from /proc)."""
    suffix = f":{server.port:04X}"
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1].endswith(suffix) and fields[3] == _ESTABLISHED:
            inodes.add(f"socket:[{fields[9]}]")
    counts: Counter[int] = Counter()
    for pid in worker_pids(server):
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                if str(fd.readlink()) in inodes:
                    counts[pid] += 1
            except OSError:  # closed meanwhile
                continue
    return counts


def open_burst(server: RunningServer, size: int) -> list[socket.socket]:
    """Open `size` keep-alive connections at once; each asks once and stays open."""
    address = ("127.0.0.1", server.port)
    clients = [socket.create_connection(address) for _ in range(size)]
    for client in clients:
        client.sendall(_REQUEST)
    for client in clients:
        client.settimeout(10)
        assert client.recv(65536).startswith(b"HTTP/1.1 200")
    return clients


class TestConnectionBalance:
    """A burst of keep-alive connections lands on every worker, not on one."""

    def test_bursts_of_connections_are_shared_by_both_workers(
        self, tmp_path: Path
    ) -> None:
        """Ten bursts of 8 connections: each worker takes between 2 and 6 of each."""
        with run_server(tmp_path, workers=2, **TESTING) as server:
            wait_for_workers(server, 2)
            splits = []
            for _ in range(10):
                clients = open_burst(server, 8)
                try:
                    counts = connections_per_worker(server)
                    assert sum(counts.values()) == 8, counts
                    splits.append(sorted(counts.values()))
                finally:
                    for client in clients:
                        client.close()
                time.sleep(0.2)
            assert all(split[0] >= 2 for split in splits if len(split) == 2), splits
            assert all(len(split) == 2 for split in splits), splits
