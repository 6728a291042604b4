"""Request metrics: each request counted and timed under its own labels."""

from __future__ import annotations

import falcon.testing
from prometheus_client.parser import text_string_to_metric_families


def _samples(client: falcon.testing.TestClient, name: str) -> dict[tuple, float]:
    text = client.simulate_get("/metrics").text
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                labels = sample.labels
                found[tuple(sorted(labels.items()))] = sample.value
    return found


class TestMetricsMiddleware:
    """Counts and latencies stay apart per route, status, model and version."""

    def test_each_label_set_counts_its_own_requests(
        self, client: falcon.testing.TestClient
    ) -> None:
        """Repeated requests add up per label set; another status gets its own."""
        for _ in range(3):
            assert (
                client.simulate_post(
                    "/v1/models/echo/predict", json=[{"x": 1}]
                ).status_code
                == 200
            )
        assert (
            client.simulate_post("/v1/models/echo/predict", json=[{"y": 1}]).status_code
            == 422
        )
        counts = _samples(client, "roost_requests_total")
        route = "/v1/models/{name}/predict"
        ok = {
            k: v
            for k, v in counts.items()
            if ("route", route) in k and ("status", "200") in k
        }
        refused = {
            k: v
            for k, v in counts.items()
            if ("route", route) in k and ("status", "422") in k
        }
        assert list(ok.values()) == [3.0]
        assert list(refused.values()) == [1.0]
        assert ("model", "echo") in next(iter(ok))
        timed = _samples(client, "roost_request_duration_seconds_count")
        assert sum(v for k, v in timed.items() if ("route", route) in k) == 4.0
        rows = _samples(client, "roost_rows_predicted_total")
        assert sum(v for k, v in rows.items() if ("model", "echo") in k) == 3.0
