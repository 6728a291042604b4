"""Deadlines, backpressure, signals and worker deaths on a real gunicorn."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import ClassVar

import pytest
import requests
from server_harness import RunningServer, run_server, wait_for_workers, worker_pids

pytestmark = pytest.mark.integration

TESTING = {"ROOST_ADAPTER_NAMESPACE": "roost.adapters.testing"}


def wait_for(condition: Callable[[], bool], timeout: float) -> bool:
    """Poll `condition` until true or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def sleep_request(server: RunningServer, seconds: float) -> requests.Response:
    """Ask the sleepy adapter to take `seconds`, on a fresh connection."""
    return requests.post(
        server.url("/v1/models/sleepy/predict"), json=[{"seconds": seconds}], timeout=60
    )


class LoadLoop:
    """Send echo requests from a few threads, each on a fresh connection."""

    def __init__(self, server: RunningServer, threads: int = 4) -> None:
        self._server = server
        self._threads = threads
        self._stop = threading.Event()
        self.outcomes: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=threads)

    def _run(self) -> None:
        deadline = time.monotonic() + 60  # bounded even if stop() never comes
        while not self._stop.is_set() and time.monotonic() < deadline:
            try:
                response = requests.post(
                    self._server.url("/v1/models/echo/predict"),
                    json=[{"x": 1}],
                    timeout=30,
                )
                outcome = str(response.status_code)
            except requests.RequestException as exc:
                outcome = type(exc).__name__
            with self._lock:
                self.outcomes[outcome] += 1

    def __enter__(self) -> LoadLoop:
        for _ in range(self._threads):
            self._pool.submit(self._run)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._pool.shutdown(wait=True)

    @property
    def failures(self) -> int:
        """Count outcomes other than 200."""
        return sum(
            count for outcome, count in self.outcomes.items() if outcome != "200"
        )


class TestDeadlineAndBackpressure:
    """Slow predictions are bounded in time and in number."""

    def test_slow_prediction_gets_504(self, tmp_path: Path) -> None:
        """A prediction past ROOST_REQUEST_DEADLINE answers 504 JSON."""
        with run_server(tmp_path, ROOST_REQUEST_DEADLINE="0.5", **TESTING) as server:
            started = time.monotonic()
            response = sleep_request(server, 3)
            assert response.status_code == 504
            assert "0.5 s" in response.json()["error"]
            assert time.monotonic() - started < 3
            assert server.get("/health").status_code == 200

    def test_no_deadline_answers_slow_predictions_when_they_end(
        self, tmp_path: Path
    ) -> None:
        """ROOST_REQUEST_DEADLINE=0: no 504; slots still bound the work (503)."""
        variables = {
            "ROOST_REQUEST_DEADLINE": "0",
            "ROOST_MAX_IN_FLIGHT": "1",
            "ROOST_QUEUE_TIMEOUT": "0.2",
        }
        with run_server(tmp_path, **variables, **TESTING) as server:
            with ThreadPoolExecutor(max_workers=1) as pool:
                slow = pool.submit(sleep_request, server, 1.5)
                time.sleep(0.5)
                crowded = sleep_request(server, 0)
                assert slow.result().status_code == 200
            assert crowded.status_code == 503
            assert slow.result().json()["predictions"] == [1.5]

    def test_full_worker_answers_503_with_retry_after(self, tmp_path: Path) -> None:
        """With every slot busy, a further prediction is refused, health still 200."""
        variables = {"ROOST_MAX_IN_FLIGHT": "1", "ROOST_QUEUE_TIMEOUT": "0.2"}
        with run_server(tmp_path, workers=1, **variables, **TESTING) as server:
            with ThreadPoolExecutor(max_workers=1) as pool:
                slow = pool.submit(sleep_request, server, 2)
                time.sleep(0.5)
                refused = server.post("/v1/models/echo/predict", json=[{"x": 1}])
                health = server.get("/health")
                assert slow.result().status_code == 200
            assert refused.status_code == 503
            assert refused.headers["Retry-After"] == "1"
            assert "retry shortly" in refused.json()["error"]
            assert health.status_code == 200
            after = server.post("/v1/models/echo/predict", json=[{"x": 1}])
            assert after.status_code == 200

    def test_health_answers_while_slow_clients_trickle(self, tmp_path: Path) -> None:
        """Four clients trickling header bytes do not starve /health."""
        with run_server(tmp_path, workers=1, **TESTING) as server:
            sockets = []
            for _ in range(4):
                sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
                sock.sendall(b"POST /v1/models/echo/predict HTTP/1.1\r\nHost: x\r\n")
                sockets.append(sock)
            try:
                for _ in range(5):
                    for sock in sockets:
                        sock.sendall(b"X")
                    started = time.monotonic()
                    assert server.get("/health", timeout=5).status_code == 200
                    assert time.monotonic() - started < 2
                    time.sleep(0.2)
            finally:
                for sock in sockets:
                    sock.close()


class TestSignals:
    """Reloads, shutdowns and worker deaths lose no accepted request."""

    def test_sigterm_finishes_accepted_requests(self, tmp_path: Path) -> None:
        """Requests in flight at SIGTERM complete with 200; readiness drains."""
        with run_server(tmp_path, workers=1, **TESTING) as server:
            with ThreadPoolExecutor(max_workers=3) as pool:
                slow = [pool.submit(sleep_request, server, 1.5) for _ in range(3)]
                time.sleep(0.5)
                os.kill(server.pid, signal.SIGTERM)
                statuses = [future.result().status_code for future in slow]
            assert statuses == [200, 200, 200]
            assert server.process.wait(timeout=30) == 0

    def test_three_sighups_lose_nothing(self, tmp_path: Path) -> None:
        """Three graceful reloads under load: every request answers 200."""
        with run_server(tmp_path, workers=2, **TESTING) as server:
            before = worker_pids(server)
            with LoadLoop(server) as load:
                for _ in range(3):
                    time.sleep(0.7)
                    os.kill(server.pid, signal.SIGHUP)
                time.sleep(1.5)
            assert load.outcomes["200"] > 20
            assert load.failures == 0, load.outcomes
            assert wait_for(lambda: len(worker_pids(server)) == 2, 10)
            assert not worker_pids(server) & before

    def test_max_requests_recycling_loses_nothing(self, tmp_path: Path) -> None:
        """Workers recycled every 25 requests drop none of them."""
        variables = {"ROOST_MAX_REQUESTS": "25", "ROOST_MAX_REQUESTS_JITTER": "5"}
        with run_server(tmp_path, workers=2, **variables, **TESTING) as server:
            before = worker_pids(server)
            with LoadLoop(server) as load:
                assert wait_for(lambda: load.outcomes["200"] >= 150, 60)
            assert load.failures == 0, load.outcomes
            assert not worker_pids(server) & before

    def test_killed_worker_is_replaced_quickly(self, tmp_path: Path) -> None:
        """SIGKILL of a worker loses only its in-flight requests; 2 s to recover."""
        with run_server(tmp_path, workers=2, **TESTING) as server:
            assert wait_for(lambda: len(worker_pids(server)) == 2, 10)
            victim = min(worker_pids(server))
            with LoadLoop(server) as load:
                time.sleep(0.5)
                os.kill(victim, signal.SIGKILL)
                killed_at = time.monotonic()
                assert wait_for(
                    lambda: (
                        len(worker_pids(server) - {victim}) == 2
                        and server.get("/health").status_code == 200
                    ),
                    2.0,
                ), (
                    f"pool not whole {time.monotonic() - killed_at:.2f} s after kill: "
                    f"workers {worker_pids(server)}, victim {victim}"
                )
                time.sleep(0.5)
            # at most the killed worker's in-flight requests (its 8 threads) fail
            assert load.failures <= 8, load.outcomes
            assert load.outcomes["200"] > 10


class TestReadinessAndArtifacts:
    """Readiness tells the truth about adapters and artifacts."""

    def test_no_adapters_is_not_ready(self, tmp_path: Path) -> None:
        """An empty namespace: live, but /health/ready is 503 with the reason."""
        with run_server(
            tmp_path, ROOST_ADAPTER_NAMESPACE="roost.adapters.none"
        ) as server:
            assert server.get("/health").status_code == 200
            ready = server.get("/health/ready")
            assert ready.status_code == 503
            assert ready.json() == {
                "ready": False,
                "reason": "no adapters are installed",
            }

    def test_broken_adapter_keeps_server_unready(self, tmp_path: Path) -> None:
        """With a broken adapter installed readiness is 503 naming it."""
        with run_server(tmp_path, **TESTING) as server:
            ready = server.get("/health/ready")
            assert ready.status_code == 503
            assert "fails-load 1.0" in ready.json()["reason"]

    def test_tampered_artifact_is_refused(
        self, tmp_path: Path, house_prices_model_dir: Path
    ) -> None:
        """A modified artifact fails its checksum: not ready, 503, never loaded."""
        model_dir = tmp_path / "models"
        shutil.copytree(house_prices_model_dir, model_dir)
        artifact = model_dir / "house-prices-1.0.0.joblib"
        data = bytearray(artifact.read_bytes())
        data[len(data) // 2] ^= 0xFF
        artifact.write_bytes(bytes(data))
        with run_server(tmp_path, ROOST_MODEL_DIR=model_dir) as server:
            model = server.get("/v1/models/house-prices").json()
            assert model["ready"] is False
            assert "fails its checksum" in model["error"]
            assert server.get("/health/ready").status_code == 503
            predict = server.post("/v1/models/house-prices/predict", json=[{}])
            assert predict.status_code == 503
            assert "checksum" in predict.json()["error"]


class TestMicroBatching:
    """ROOST_BATCH_MAX_ROWS merges concurrent requests into one adapter call."""

    PROBE: ClassVar = {"ROOST_ADAPTER_NAMESPACE": "roost.adapters.probe"}
    BATCHING: ClassVar = {"ROOST_BATCH_MAX_ROWS": "64", "ROOST_BATCH_MAX_WAIT": "0.005"}
    CONCURRENCY: ClassVar = {"ROOST_THREADS": "16", "ROOST_MAX_IN_FLIGHT": "16"}

    @staticmethod
    def _frame_sizes(server: RunningServer, requests_count: int = 200) -> list[float]:
        """Send 1-record requests from 32 clients; return each one's frame size."""

        def ask(x: int) -> float:
            response = requests.post(
                server.url("/v1/models/frame-sizes/predict"),
                json=[{"x": x}],
                timeout=30,
            )
            assert response.status_code == 200, response.text
            (size,) = response.json()["predictions"]
            return float(size)

        with ThreadPoolExecutor(max_workers=32) as pool:
            return list(pool.map(ask, range(requests_count)))

    def test_concurrent_requests_share_calls(self, tmp_path: Path) -> None:
        """With batching on, some 1-record requests share their predict call."""
        variables = {**self.PROBE, **self.BATCHING, **self.CONCURRENCY}
        with run_server(tmp_path, workers=2, **variables) as server:
            sizes = self._frame_sizes(server)
            metrics = server.get("/metrics").text
        assert max(sizes) > 1, sizes
        assert max(sizes) <= 64
        calls = _sample(metrics, "roost_batch_rows_count", model="frame-sizes")
        rows = _sample(metrics, "roost_batch_rows_sum", model="frame-sizes")
        assert rows == 200
        assert calls < 200

    def test_off_means_one_call_per_request(self, tmp_path: Path) -> None:
        """With batching off (the default), every request is a call of its own."""
        variables = {**self.PROBE, **self.CONCURRENCY}
        with run_server(tmp_path, workers=2, **variables) as server:
            sizes = self._frame_sizes(server, 100)
            metrics = server.get("/metrics").text
        assert set(sizes) == {1.0}
        assert _sample(metrics, "roost_batch_rows_count", model="frame-sizes") == 100

    def test_concurrent_clients_get_their_own_answers(self, tmp_path: Path) -> None:
        """Thirty-two concurrent clients, batched, each get twice their x."""
        variables = {**self.BATCHING, **self.CONCURRENCY}
        with run_server(tmp_path, workers=2, **variables, **TESTING) as server:

            def ask(x: int) -> object:
                response = requests.post(
                    server.url("/v1/models/echo/predict"), json=[{"x": x}], timeout=30
                )
                return response.json()["predictions"]

            with ThreadPoolExecutor(max_workers=32) as pool:
                results = list(pool.map(ask, range(200)))
        assert results == [[2.0 * x] for x in range(200)]


class TestUnload:
    """Stopping the server calls each adapter's unload() in every worker."""

    def test_every_worker_unloads_its_adapters(self, tmp_path: Path) -> None:
        """SIGTERM: each of the two workers leaves the file its unload() writes."""
        model_dir = tmp_path / "models"
        server_cm = run_server(
            tmp_path,
            workers=2,
            ROOST_ADAPTER_NAMESPACE="roost.adapters.probe",
            ROOST_MODEL_DIR=model_dir,
            ROOST_LOG_LEVEL="info",
        )
        with server_cm as server:
            wait_for_workers(server, 2)
            pids = worker_pids(server)
            assert not list(model_dir.glob("unloaded-*"))
        assert server.process.returncode == 0
        unloaded = {
            int(path.name.split("-")[1]) for path in model_dir.glob("unloaded-*")
        }
        assert unloaded == pids


def _sample(text: str, metric: str, **labels: str) -> float:
    """Return one sample of a Prometheus exposition, summed over other labels."""
    total, found = 0.0, False
    for line in text.splitlines():
        if not line.startswith(metric + "{"):
            continue
        names, _, value = line.rpartition(" ")
        if all(f'{key}="{wanted}"' in names for key, wanted in labels.items()):
            total += float(value)
            found = True
    assert found, f"no {metric} sample with {labels} in:\n{text}"
    return total


class TestMetrics:
    """/metrics sums every worker's counters."""

    def test_requests_and_rows_are_counted_across_workers(self, tmp_path: Path) -> None:
        """Twenty predictions over two workers show up in one scrape."""
        with run_server(tmp_path, workers=2, **TESTING) as server:
            for _ in range(20):
                requests.post(
                    server.url("/v1/models/echo/predict"),
                    json=[{"x": 1}, {"x": 2}],
                    timeout=30,
                )
            server.post("/v1/models/echo/predict", json=[{"x": "bad"}])
            text = server.get("/metrics").text
        assert 'roost_rows_predicted_total{model="echo",version="2.0"} 40.0' in text, (
            text
        )
        assert 'roost_validation_failures_total{model="echo",version="2.0"} 1.0' in text
        assert (
            'roost_requests_total{method="POST",model="echo",'
            'route="/v1/models/{name}/predict",status="200",version="2.0"} 20.0'
        ) in text
        assert 'roost_adapter_ready{model="fails-load",version="1.0"} 0.0' in text
