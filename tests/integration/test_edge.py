"""roost behind its edge: real nginx (deploy/edge) in front of real gunicorn.

The edge is started as `make edge` starts it (deploy/edge/run, rendering
deploy/edge/nginx.conf) in front of a server with `make serve`'s defaults,
2 workers x 8 threads. Hundreds of slow clients then attack the edge while
/health and predictions go through it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
import requests
from edge_harness import RunningEdge, nginx_or_skip, run_edge
from server_harness import RunningServer, free_port, run_server
from slow_clients import SLOW_BODY, SLOW_HEADERS, SlowClients

from roost.core.runtime.settings import Settings
from roost_house_prices.dataset import load_dataset

pytestmark = pytest.mark.integration

#: Seconds the attack lasts: under nginx's 10 s header timeout, so it holds.
ATTACK = 8.0
#: The attackers' own address: one client, as the per-client limits see it.
ATTACKER = "127.0.0.2"
#: The route the attack targets; nothing else here sends to it.
ATTACKED = "/v1/models/house-prices/predict"
#: How long /health may take through the edge, under attack or not.
HEALTHY = 1.0


@pytest.fixture(scope="module")
def upstream(
    tmp_path_factory: pytest.TempPathFactory, house_prices_model_dir: Path
) -> Iterator[RunningServer]:
    """A house-prices server of this module's own, as `make serve` starts it.

    Not the shared server: the attack test proves the attacked route never
    reached roost by its absence from this server's whole log, which other
    modules' predictions would fill.
    """
    nginx_or_skip()
    with run_server(
        tmp_path_factory.mktemp("edge-upstream"),
        workers=2,
        ROOST_MODEL_DIR=house_prices_model_dir,
    ) as server:
        yield server


@pytest.fixture(scope="module")
def edge(
    upstream: RunningServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningEdge]:
    """The edge on a free port, in front of the house-prices server."""
    nginx_or_skip()
    log_dir = tmp_path_factory.mktemp("edge")
    with run_edge(log_dir, free_port(), f"127.0.0.1:{upstream.port}") as running:
        yield running


@pytest.fixture(scope="module")
def house() -> dict[str, Any]:
    """One house of test.csv as a JSON record."""
    records = json.loads(load_dataset("test.csv").head(1).to_json(orient="records"))
    return dict(records[0])


def json_error(response: requests.Response, status: int) -> dict[str, Any]:
    """Check an error in roost's shape, with the request id of its header."""
    assert response.status_code == status, response.text[:300]
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["error"]
    assert body["title"]
    assert body["request_id"] == response.headers["X-Request-ID"]
    return dict(body)


class TestSlowClients:
    """Slow clients cost the edge a connection each and roost nothing."""

    def test_slow_headers_and_bodies_leave_health_answering(
        self,
        edge: RunningEdge,
        upstream: RunningServer,
        house: dict[str, Any],
    ) -> None:
        """200 slow-header and 200 slow-body clients: /health answers within 1 s."""
        clients = SlowClients(edge.port, source=ATTACKER, path=ATTACKED)
        worst, checks, predictions = 0.0, 0, 0
        try:
            clients.open(slow_headers=200, slow_body=200)
            clients.start(seconds=ATTACK + 5)
            ends = time.monotonic() + ATTACK
            while time.monotonic() < ends:
                asked = time.monotonic()
                health = requests.get(edge.url("/health"), timeout=5)
                worst = max(worst, time.monotonic() - asked)
                assert health.status_code == 200
                checks += 1
                predicted = requests.post(
                    edge.url("/v1/predict/regression"), json=[house], timeout=5
                )
                assert predicted.status_code == 200, predicted.text[:300]
                assert len(predicted.json()["predictions"]) == 1
                predictions += 1
                time.sleep(0.1)
            still_open = clients.open_now()
        finally:
            clients.stop()
        assert worst < HEALTHY, f"/health took {worst:.2f} s through the edge"
        assert checks > 10
        assert predictions == checks
        # The attack held: every slow-header client was still connected, and
        # the slow-body ones beyond the per-client limit were refused with 429.
        kinds = [connection.kind for connection in still_open]
        assert kinds.count(SLOW_HEADERS) == 200
        assert kinds.count(SLOW_BODY) > 0
        refused = {
            connection.status
            for connection in clients.connections
            if connection.status is not None
        }
        assert refused <= {429}
        assert ATTACKED not in upstream.log_text()


class TestProxying:
    """What the edge adds to roost, and what it keeps from the outside."""

    def test_client_request_id_passes_through_to_roost(
        self, edge: RunningEdge, upstream: RunningServer
    ) -> None:
        """A plain X-Request-ID reaches roost's log and comes back unchanged."""
        response = requests.get(
            edge.url("/version"), headers={"X-Request-ID": "edge-check-42"}, timeout=5
        )
        assert response.status_code == 200
        assert response.headers["X-Request-ID"] == "edge-check-42"
        deadline = time.monotonic() + 5
        while "rid=edge-check-42 " not in upstream.log_text():
            assert time.monotonic() < deadline, "roost logged another id"
            time.sleep(0.1)

    def test_edge_and_roost_share_a_generated_id(
        self, edge: RunningEdge, upstream: RunningServer
    ) -> None:
        """Without a usable id the edge makes one and roost logs that same id."""
        response = requests.get(
            edge.url("/version"), headers={"X-Request-ID": 'not "plain"'}, timeout=5
        )
        request_id = response.headers["X-Request-ID"]
        assert request_id != 'not "plain"'
        deadline = time.monotonic() + 5
        while f"rid={request_id} " not in upstream.log_text():
            assert time.monotonic() < deadline, "roost logged another id"
            time.sleep(0.1)
        # nginx logs a request after the response has gone out: wait for it.
        while f"rid={request_id} " not in edge.log_text():
            assert time.monotonic() < deadline, "the edge logged another id"
            time.sleep(0.1)

    @pytest.mark.parametrize(
        "path", ["/metrics", "/metrics/", "/%6Detrics", "//metrics", "/metrics?x=1"]
    )
    def test_metrics_are_not_exposed(
        self, edge: RunningEdge, upstream: RunningServer, path: str
    ) -> None:
        """/metrics, however spelt, is a JSON 404 at the edge, served by roost."""
        json_error(requests.get(edge.url(path), timeout=5), 404)
        assert upstream.get("/metrics").status_code == 200

    def test_body_over_roosts_limit_is_a_json_413(self, edge: RunningEdge) -> None:
        """A body over ROOST_MAX_BODY_BYTES is refused by the edge, in roost's shape."""
        body = b" " * (Settings().max_body_bytes + 1)
        response = requests.post(
            edge.url("/v1/predict/regression"),
            data=body,
            headers={"Content-Type": "application/json"},
            timeout=30,
        )
        assert "ROOST_MAX_BODY_BYTES" in json_error(response, 413)["error"]

    def test_body_at_roosts_limit_reaches_roost(
        self, edge: RunningEdge, house: dict[str, Any]
    ) -> None:
        """A body of exactly ROOST_MAX_BODY_BYTES passes the edge and is predicted."""
        record = json.dumps([house]).encode()
        body = record[:-1] + b" " * (Settings().max_body_bytes - len(record)) + b"]"
        assert len(body) == Settings().max_body_bytes
        response = requests.post(
            edge.url("/v1/predict/regression"),
            data=body,
            headers={"Content-Type": "application/json"},
            timeout=30,
        )
        assert response.status_code == 200, response.text[:300]
        assert len(response.json()["predictions"]) == 1

    def test_connections_to_roost_are_kept_alive(
        self, edge: RunningEdge, upstream: RunningServer
    ) -> None:
        """After a run of requests nginx still holds open connections to roost."""
        for _ in range(20):
            assert requests.get(edge.url("/health"), timeout=5).status_code == 200
        workers = psutil.Process(edge.process.pid).children()
        upstream = [
            connection
            for worker in workers
            for connection in worker.net_connections(kind="tcp")
            if connection.raddr
            and connection.raddr.port == upstream.port
            and connection.status == psutil.CONN_ESTABLISHED
        ]
        assert upstream, "nginx closed every connection to roost"
