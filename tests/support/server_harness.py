"""Test support: run the real `roost` command and real servers on loopback."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

STARTUP_TIMEOUT = 90.0


def roost_command(*args: str, python: Path | None = None) -> list[str]:
    """Return the argv that runs the installed `roost` command line.

    `python` runs it in another environment (default: this interpreter's).
    """
    return [str(python or sys.executable), "-m", "roost.core.cli", *args]


def roost_env(**variables: str | os.PathLike[str]) -> dict[str, str]:
    """Return this process's environment without ROOST_*, plus `variables`."""
    env = {
        key: value for key, value in os.environ.items() if not key.startswith("ROOST_")
    }
    env.pop("PORT", None)
    env.update({key: os.fspath(value) for key, value in variables.items()})
    return env


def free_port() -> int:
    """Ask the kernel for a free loopback port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RunningServer:
    """A `roost serve` process and the URL it answers on."""

    def __init__(self, process: subprocess.Popen[bytes], port: int, log: Path) -> None:
        self.process = process
        self.port = port
        self.log = log
        self.base_url = f"http://127.0.0.1:{port}"
        self.session = requests.Session()

    @property
    def pid(self) -> int:
        """Return the gunicorn master's PID."""
        return self.process.pid

    def url(self, path: str) -> str:
        """Return the absolute URL of `path`."""
        return self.base_url + path

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        """Send a GET request."""
        kwargs.setdefault("timeout", 30)
        return self.session.get(self.url(path), **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        """Send a POST request."""
        kwargs.setdefault("timeout", 60)
        return self.session.post(self.url(path), **kwargs)

    def log_text(self) -> str:
        """Return what the server has logged so far."""
        return self.log.read_text(errors="replace")

    def wait_until_up(self) -> None:
        """Poll /health until it answers, failing early if the process exits."""
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(
                    f"server exited with {self.process.returncode}:\n{self.log_text()}"
                )
            with contextlib.suppress(requests.ConnectionError, requests.Timeout):
                if requests.get(self.url("/health"), timeout=2).status_code == 200:
                    return
            time.sleep(0.1)
        self.stop()
        pytest.fail(
            f"server did not answer within {STARTUP_TIMEOUT} s:\n{self.log_text()}"
        )

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM the server by its PID, SIGKILL its group if it lingers."""
        self.session.close()
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        return self.process.returncode


@contextlib.contextmanager
def run_server(
    log_dir: Path, workers: int = 1, *, python: Path | None = None, **variables: Any
) -> Iterator[RunningServer]:
    """Start `roost serve` with ROOST_* `variables`; stop it on exit.

    `python` serves from another environment (default: this interpreter's).
    """
    port = free_port()
    log = log_dir / f"server-{port}.log"
    env = roost_env(
        ROOST_PROFILE="testing", **{k: str(v) for k, v in variables.items()}
    )
    with log.open("wb") as sink:
        process = subprocess.Popen(
            roost_command(
                "serve", "--port", str(port), "--workers", str(workers), python=python
            ),
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = RunningServer(process, port, log)
    try:
        server.wait_until_up()
        yield server
    finally:
        server.stop()


def worker_pids(server: RunningServer) -> set[int]:
    """Return the PIDs of the gunicorn master's live children."""
    path = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    return {int(pid) for pid in path.read_text().split()}


def wait_for_workers(server: RunningServer, workers: int) -> None:
    """Wait until every worker has loaded its adapters (and so accepts)."""
    deadline = time.monotonic() + 30
    while server.log_text().count("adapter version(s) ready") < workers:
        assert time.monotonic() < deadline, "the workers did not all start"
        time.sleep(0.1)
    time.sleep(0.3)
