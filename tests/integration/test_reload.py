"""`roost reload` and `roost stop` on a real server, found through its pidfile.

The servers run in a throwaway venv layered over the test environment
(`scratch_env`), so installing and uninstalling adapter packages never
touches the environment other tests share. Every server there also serves
`slow-start`, whose load() takes two seconds, as a large model's does: a
reload that let the old workers go before the new ones had loaded would
leave requests unanswered for that long.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
from scratch_env import ScratchEnv, build_wheels
from server_harness import (
    RunningServer,
    roost_command,
    roost_env,
    run_server,
    worker_pids,
)

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
LATE = "roost-fixture-late"
LATE_FAULTY = "roost-fixture-late-faulty"
LATE_FATAL = "roost-fixture-late-fatal"
SLOW_START = "roost-fixture-slow-start"
TESTING = {"ROOST_ADAPTER_NAMESPACE": "roost.adapters.testing"}
#: The acceptance bound: no request waits this long while a reload runs.
WORST_LATENCY = 1.0
#: Seconds of traffic once the last reload's old workers have all exited.
TAIL = 1.0
#: How long the old workers of a reload may take to exit.
RETIRE_TIMEOUT = 30.0


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Wheels of the fixture adapters these tests install, built once."""
    names = (LATE, LATE_FAULTY, LATE_FATAL, SLOW_START)
    sources = [FIXTURES / name for name in names]
    return build_wheels(sources, tmp_path_factory.mktemp("wheels"))


@pytest.fixture
def scratch(tmp_path: Path, wheels: dict[str, Path]) -> ScratchEnv:
    """A throwaway venv over the test environment, with slow-start installed."""
    env = ScratchEnv(tmp_path / "venv")
    env.install(wheels[SLOW_START])
    return env


def roost(
    *args: str, python: Path | None = None, **variables: Any
) -> subprocess.CompletedProcess[str]:
    """Run the `roost` command line to its end."""
    return subprocess.run(
        roost_command(*args, python=python),
        env=roost_env(ROOST_PROFILE="testing", **variables),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


class Traffic:
    """Keep-alive connections sending 1-record predictions; every answer timed."""

    def __init__(self, server: RunningServer, connections: int = 8) -> None:
        self._url = server.url("/v1/models/echo/predict")
        self._connections = connections
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=connections)
        #: (sent at, seconds to answer, outcome) of every request.
        self.requests: list[tuple[float, float, str]] = []

    def _run(self) -> None:
        deadline = time.monotonic() + 90  # bounded even if stop() never comes
        with requests.Session() as session:
            while not self._stop.is_set() and time.monotonic() < deadline:
                sent = time.monotonic()
                try:
                    response = session.post(self._url, json=[{"x": 1}], timeout=30)
                    outcome = str(response.status_code)
                except requests.RequestException as exc:
                    outcome = type(exc).__name__
                with self._lock:
                    self.requests.append((sent, time.monotonic() - sent, outcome))

    def __enter__(self) -> Traffic:
        for _ in range(self._connections):
            self._pool.submit(self._run)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._pool.shutdown(wait=True)

    @property
    def outcomes(self) -> Counter[str]:
        """Count the outcomes: status codes, or the client's exception names."""
        return Counter(outcome for _, _, outcome in self.requests)

    def worst_latency(self, start: float, end: float) -> float:
        """Return the longest wait of any request in flight during [start, end]."""
        return max(
            (
                took
                for sent, took, _ in self.requests
                if sent <= end and sent + took >= start
            ),
            default=0.0,
        )


def wait_for_retirement(server: RunningServer, old: set[int], workers: int) -> None:
    """Wait until none of the `old` workers lives and `workers` new ones do."""
    deadline = time.monotonic() + RETIRE_TIMEOUT
    while True:
        live = worker_pids(server)
        if live.isdisjoint(old) and len(live) == workers:
            return
        assert time.monotonic() < deadline, f"old workers still live: {live & old}"
        time.sleep(0.05)


class TestReload:
    """New workers load every adapter before the old ones stop serving."""

    def test_three_reloads_under_load_lose_nothing_and_never_stall(
        self, tmp_path: Path, scratch: ScratchEnv, wheels: dict[str, Path]
    ) -> None:
        """8 connections, 3 reloads: no failure, no wait of 1 s; installs show."""
        variables = {
            **TESTING,
            "ROOST_PIDFILE": tmp_path / "roost.pid",
            "ROOST_DEFAULT_MODEL": "late",  # resolved anew by each reload
        }
        windows: list[tuple[float, float]] = []

        def reload() -> str:
            started = time.monotonic()
            done = roost("reload", python=scratch.python, **variables)
            windows.append((started, time.monotonic()))
            assert done.returncode == 0, done.stderr
            # The window runs a second past the reload: keep the next pip
            # install's CPU out of it, as it is no part of a reload.
            time.sleep(1)
            return done.stdout

        with (
            run_server(
                tmp_path, workers=2, python=scratch.python, **variables
            ) as server,
            Traffic(server) as traffic,
        ):
            default = server.post("/v1/predict/regression", json=[{"x": 1}])
            assert default.status_code == 404
            reload()
            scratch.install(wheels[LATE])
            assert "added      late 1.0" in reload()
            late = server.post("/v1/models/late/predict", json=[{"x": 1}])
            assert late.json()["predictions"] == [2.0]
            default = server.post("/v1/predict/regression", json=[{"x": 1}])
            assert default.json()["model"] == "late"
            scratch.uninstall(LATE)
            old = worker_pids(server)
            assert "removed    late 1.0" in reload()
            gone = server.post("/v1/models/late/predict", json=[{"x": 1}])
            assert gone.status_code == 404
            # NOTE: the old workers of the last reload retire now; traffic
            # goes on past their exit, and leaving waits for every request.
            wait_for_retirement(server, old, workers=2)
            time.sleep(TAIL)
        assert traffic.outcomes["200"] > 200, traffic.outcomes
        assert set(traffic.outcomes) == {"200"}, traffic.outcomes
        worst = max(traffic.worst_latency(start, end + 1) for start, end in windows)
        assert worst < WORST_LATENCY, f"a request waited {worst:.2f} s"

    def test_failures_in_new_workers_never_take_the_serving_ones_down(
        self, tmp_path: Path, scratch: ScratchEnv, wheels: dict[str, Path]
    ) -> None:
        """A worker that cannot start gives the reload up; a failed load is named."""
        # NOTE: gunicorn's master waits up to the graceful timeout for the old
        # workers after a reload, before it takes the next signal.
        variables = {
            **TESTING,
            "ROOST_PIDFILE": tmp_path / "roost.pid",
            "ROOST_GRACEFUL_TIMEOUT": "5",
        }
        with (
            run_server(
                tmp_path, workers=2, python=scratch.python, **variables
            ) as server,
            Traffic(server, connections=4) as traffic,
        ):
            # LATE_FATAL's import ends the process; LATE_FAULTY's load() fails.
            scratch.install(wheels[LATE_FATAL], wheels[LATE_FAULTY])
            given_up = roost("reload", python=scratch.python, **variables)
            still_up = server.process.poll() is None
            scratch.uninstall(LATE_FATAL)
            done = roost("reload", python=scratch.python, **variables)
            model = server.get("/v1/models/late-faulty").json()
        assert given_up.returncode == 1
        assert "the reload failed: new worker" in given_up.stderr
        assert "2 earlier worker(s) serve on" in given_up.stderr
        assert still_up
        assert done.returncode == 0, done.stderr
        assert "added      late-faulty 1.0" in done.stdout
        assert (
            "not ready  late-faulty 1.0: load failed: FileNotFoundError: "
            "late-faulty.bin is missing"
        ) in done.stdout
        assert model["ready"] is False
        assert "late-faulty.bin is missing" in model["error"]
        assert traffic.outcomes["200"] > 50, traffic.outcomes
        assert set(traffic.outcomes) == {"200"}, traffic.outcomes

    def test_a_reload_past_its_timeout_is_reported_and_old_workers_serve(
        self, tmp_path: Path
    ) -> None:
        """New workers not ready in time: exit 1 saying so; the server still answers."""
        variables = {**TESTING, "ROOST_PIDFILE": tmp_path / "roost.pid"}
        with run_server(tmp_path, **variables) as server:
            # No worker builds its app within 50 ms of the signal.
            done = roost("reload", "--timeout", "0.05", **variables)
            answer = server.post("/v1/models/echo/predict", json=[{"x": 1}])
        assert done.returncode == 1
        assert "the reload did not complete within 0.05 s" in done.stderr
        assert "earlier worker(s) still serving" in done.stderr
        assert answer.status_code == 200


class TestStop:
    """`roost stop` finds the server by its pidfile, and says when it cannot."""

    def test_stop_with_the_default_pidfile(self, tmp_path: Path) -> None:
        """Serve and stop agree on the pidfile by port; the server exits cleanly."""
        with run_server(tmp_path, **TESTING) as server:
            done = roost("stop", "--port", str(server.port), **TESTING)
            assert done.returncode == 0, done.stderr
            assert f"PID {server.pid}" in done.stdout
            assert server.process.wait(timeout=30) == 0
        again = roost("stop", "--port", str(server.port), **TESTING)
        assert again.returncode == 1
        assert "no pidfile at" in again.stderr

    def test_a_stale_pidfile_is_named(self, tmp_path: Path) -> None:
        """A pidfile whose process is gone: a clear error, nothing signalled."""
        stale = tmp_path / "roost.pid"
        finished = subprocess.Popen(["true"])
        finished.wait()
        stale.write_text(f"{finished.pid}\n")
        for command in ("stop", "reload"):
            done = roost(command, "--pidfile", str(stale))
            assert done.returncode == 1
            assert f"stale pidfile {stale}" in done.stderr
