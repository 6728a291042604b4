"""Canary splits and shadow versions on a real gunicorn server."""

from __future__ import annotations

import json
import os
import signal
import statistics
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families
from server_harness import RunningServer, run_server

pytestmark = pytest.mark.integration

TESTING = {
    "ROOST_ADAPTER_NAMESPACE": "roost.adapters.testing",
    "ROOST_DEFAULT_MODEL": "echo",
}
PREDICT = "/v1/models/echo/predict"
#: Seconds each call of the shadow (echo 2.0) sleeps.
SHADOW_DELAY = 0.2


Samples = list[tuple[str, dict[str, str], float]]


def _scrape(server: RunningServer) -> Samples:
    """Return every sample /metrics shows: name, labels, value."""
    text = server.get("/metrics").text
    return [
        (sample.name, sample.labels, float(sample.value))
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    ]


def _total(samples: Samples, name: str, **labels: str) -> float:
    """Sum the samples called `name` whose labels include `labels`."""
    return sum(
        value
        for found, tags, value in samples
        if found == name and all(tags.get(k) == v for k, v in labels.items())
    )


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A server (2 workers) splitting echo 80/20 between 1.0 and 2.0."""
    log_dir = tmp_path_factory.mktemp("canary")
    with run_server(
        log_dir,
        workers=2,
        ROOST_MODEL_DIR=log_dir,
        ROOST_TRAFFIC="echo=1.0:80,2.0:20",
        **TESTING,
    ) as running:
        yield running


class TestCanary:
    """ROOST_TRAFFIC at 80/20 over unversioned requests on two workers."""

    def test_each_version_gets_its_share(self, server: RunningServer) -> None:
        """2,000 requests: each share within 5 points; each answer names its server."""

        def predict(n: int) -> str:
            x = n % 10 + 0.5  # echo 1.0 refuses 13
            answer = sessions[n % 4].post(
                server.url(PREDICT), json=[{"x": x}], timeout=60
            )
            assert answer.status_code == 200, answer.text
            version = answer.headers["X-Model-Version"]
            assert answer.headers["X-Model-Name"] == "echo"
            factor = {"1.0": 1, "2.0": 2}[version]
            assert answer.json()["predictions"] == [x * factor]
            return version

        route = PREDICT.replace("echo", "{name}")
        before = _scrape(server)  # the module's other tests may have run first
        sessions = [requests.Session() for _ in range(4)]
        with ThreadPoolExecutor(4) as pool:
            served = Counter(pool.map(predict, range(2_000)))
        for session in sessions:
            session.close()
        assert abs(served["1.0"] / 2_000 - 0.80) <= 0.05
        assert abs(served["2.0"] / 2_000 - 0.20) <= 0.05
        after = _scrape(server)
        for version, count in served.items():
            labels = {"model": "echo", "version": version, "status": "200"}
            counted = _total(after, "roost_requests_total", route=route, **labels)
            earlier = _total(before, "roost_requests_total", route=route, **labels)
            assert counted - earlier == count

    def test_a_routing_key_always_gets_one_version(self, server: RunningServer) -> None:
        """Each key is served by one version on every request, by either worker."""
        versions_by_key = {}
        for n in range(40):
            key = f"customer-{n}"
            versions = {
                server.post(
                    PREDICT, json=[{"x": 1}], headers={"X-Routing-Key": key}
                ).headers["X-Model-Version"]
                for _ in range(6)
            }
            assert len(versions) == 1, key
            versions_by_key[key] = versions.pop()
        assert set(versions_by_key.values()) == {"1.0", "2.0"}

    def test_versioned_requests_are_never_split(self, server: RunningServer) -> None:
        """A request naming 2.0 always gets 2.0."""
        for _ in range(30):
            answer = server.post(
                "/v1/models/echo/versions/2.0/predict", json=[{"x": 1}]
            )
            assert answer.headers["X-Model-Version"] == "2.0"


def _median_latency(server: RunningServer, requests: int) -> float:
    """Time `requests` sequential 1-record predictions; return the median."""
    server.post(PREDICT, json=[{"x": 1}])  # warm the connection
    times = []
    for n in range(requests):
        started = time.perf_counter()
        answer = server.post(PREDICT, json=[{"x": n + 0.5}])
        times.append(time.perf_counter() - started)
        assert answer.status_code == 200
        assert answer.headers["X-Model-Version"] == "1.0"
        assert answer.json()["predictions"] == [n + 0.5]
    return statistics.median(times)


class TestShadow:
    """A shadow version that sleeps neither delays nor changes the answers."""

    def test_a_sleeping_shadow_leaves_the_answers_alone(self, tmp_path: Path) -> None:
        """Served p50 stays far below the shadow's sleep; its metrics appear."""
        settings = {
            **TESTING,
            "ROOST_MODEL_DIR": tmp_path,
            "ROOST_PINNED_VERSIONS": "echo=1.0",
            "ROOST_ADAPTER_OPTIONS": json.dumps({"echo": {"delay": SHADOW_DELAY}}),
        }
        with run_server(tmp_path, workers=1, **settings) as server:
            without_shadow = _median_latency(server, 40)
        with run_server(
            tmp_path,
            workers=1,
            ROOST_SHADOW="echo=2.0",
            ROOST_SHADOW_QUEUE="4",
            **settings,
        ) as server:
            with_shadow = _median_latency(server, 40)
            assert with_shadow < without_shadow + SHADOW_DELAY / 2
            labels = {"model": "echo", "version": "1.0", "shadow_version": "2.0"}
            deadline = time.monotonic() + 10
            while _total(_scrape(server), "roost_shadow_compared_rows_total") < 5:
                assert time.monotonic() < deadline, server.get("/metrics").text
                time.sleep(0.1)
            samples = _scrape(server)
            compared = _total(samples, "roost_shadow_difference_count", **labels)
            assert compared >= 5
            # echo 2.0 doubles: every compared row is 100 % off.
            assert _total(samples, "roost_shadow_difference_sum", **labels) == compared
            dropped = _total(
                samples,
                "roost_shadow_dropped_total",
                model="echo",
                shadow_version="2.0",
            )
            assert dropped > 0  # 40 requests outran a queue of 4
            assert _total(samples, "roost_shadow_duration_seconds_count") >= 5


def _versions(server: RunningServer, requests: int = 20) -> set[str]:
    """Return the versions that answered `requests` unversioned predictions."""
    return {
        server.post(PREDICT, json=[{"x": 1}]).headers["X-Model-Version"]
        for _ in range(requests)
    }


class TestReload:
    """A reload (SIGHUP) applies an edited traffic file."""

    def test_sighup_applies_the_traffic_file(self, tmp_path: Path) -> None:
        """Moving all traffic to 2.0 and shadowing 1.0 takes effect on a reload."""
        path = tmp_path / "traffic"
        path.write_text("ROOST_TRAFFIC=echo=1.0:1\n")
        with run_server(
            tmp_path,
            workers=2,
            ROOST_MODEL_DIR=tmp_path,
            ROOST_TRAFFIC_FILE=path,
            **TESTING,
        ) as server:
            assert _versions(server) == {"1.0"}
            path.write_text("ROOST_TRAFFIC=echo=2.0:1\nROOST_SHADOW=echo=1.0\n")
            os.kill(server.pid, signal.SIGHUP)
            deadline = time.monotonic() + 60
            while _versions(server) != {"2.0"}:
                assert time.monotonic() < deadline, server.log_text()
                time.sleep(0.2)
            labels = {"version": "2.0", "shadow_version": "1.0"}
            while (
                _total(_scrape(server), "roost_shadow_compared_rows_total", **labels)
                == 0
            ):
                assert time.monotonic() < deadline, server.get("/metrics").text
                server.post(PREDICT, json=[{"x": 1}])
                time.sleep(0.1)
