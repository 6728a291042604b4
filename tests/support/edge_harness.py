"""Test support: roost's edge, real nginx started by deploy/edge/run."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
EDGE = ROOT / "deploy" / "edge"
STARTUP_TIMEOUT = 30.0


def nginx_or_skip() -> None:
    """Make sure nginx is installed, as `make edge` does; skip when it cannot be.

    deploy/edge/ensure-nginx installs Debian's nginx when run as root; as
    another user it only says how, and the edge tests are skipped.
    """
    result = subprocess.run(
        [str(EDGE / "ensure-nginx")],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if result.returncode != 0:
        pytest.skip(
            "nginx is not installed and cannot be installed by this user: "
            + result.stderr.strip().replace("\n", " ")
        )


class RunningEdge:
    """An nginx master in the foreground, its port and its log."""

    def __init__(
        self, process: subprocess.Popen[bytes], port: int, log: Path, prefix: Path
    ) -> None:
        self.process = process
        self.port = port
        self.log = log
        self.prefix = prefix
        self.base_url = f"http://127.0.0.1:{port}"

    def url(self, path: str) -> str:
        """Return the absolute URL of `path` through the edge."""
        return self.base_url + path

    def log_text(self) -> str:
        """Return what nginx has logged so far (access and error lines)."""
        return self.log.read_text(errors="replace")

    def wait_until_up(self) -> None:
        """Poll /health through the edge until it answers 200."""
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"nginx exited: {self.log_text()}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(self.url("/health"), timeout=2).status_code == 200:
                    return
            time.sleep(0.1)
        pytest.fail(f"the edge did not answer in time:\n{self.log_text()}")

    def stop(self) -> int:
        """Stop nginx by its master's PID (fast shutdown), kill it if it lingers."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        return self.process.returncode


@contextlib.contextmanager
def run_edge(log_dir: Path, port: int, upstream: str) -> Iterator[RunningEdge]:
    """Run deploy/edge/run PORT UPSTREAM; nginx replaces the script, so its PID."""
    # NOTE: nginx started as root runs its workers as nobody, who must reach the
    # prefix: a folder of its own under /tmp, not pytest's private one.
    prefix = Path(tempfile.mkdtemp(prefix="roost-edge-"))
    log = log_dir / f"edge-{port}.log"
    try:
        with log.open("wb") as sink:
            process = subprocess.Popen(
                [str(EDGE / "run"), str(port), upstream],
                env={**os.environ, "EDGE_PREFIX": str(prefix)},
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        edge = RunningEdge(process, port, log, prefix)
        try:
            edge.wait_until_up()
            yield edge
        finally:
            edge.stop()
    finally:
        shutil.rmtree(prefix, ignore_errors=True)
