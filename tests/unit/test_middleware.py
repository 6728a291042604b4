"""Request metrics: each request counted and timed under its own labels."""

from __future__ import annotations

import falcon.testing
import pytest
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

    def test_latency_is_timed_under_model_and_version(
        self, client: falcon.testing.TestClient
    ) -> None:
        """The latency series carries the model and version that answered."""
        for _ in range(2):
            client.simulate_post("/v1/models/echo/predict", json=[{"x": 1}])
        timed = _samples(client, "roost_request_duration_seconds_count")
        answered = [
            value
            for labels, value in timed.items()
            if ("route", "/v1/models/{name}/predict") in labels
            and ("model", "echo") in labels
            and dict(labels)["version"] != "-"
        ]
        assert answered == [2.0]

    @pytest.mark.filterwarnings("ignore::wsgiref.validate.WSGIWarning")
    def test_labels_stay_bounded(self, client: falcon.testing.TestClient) -> None:
        """Made-up methods and model names never become series of their own."""
        for n in range(5):
            client.simulate_request(method=f"ZZ{n}", path="/health")
            client.simulate_post(f"/v1/models/nosuch{n}/predict", json=[{"x": 1}])
        counts = _samples(client, "roost_requests_total")
        methods = {dict(labels)["method"] for labels in counts}
        models = {dict(labels)["model"] for labels in counts}
        assert not any(method.startswith("ZZ") for method in methods)
        assert "other" in methods
        assert not any(model.startswith("nosuch") for model in models)
        unknown = [
            value
            for labels, value in counts.items()
            if ("route", "/v1/models/{name}/predict") in labels
            and ("status", "404") in labels
        ]
        assert unknown == [5.0]
