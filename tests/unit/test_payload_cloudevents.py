"""CloudEvents in KServe's logger format, posted to a real receiving server."""

from __future__ import annotations

import json
import time

import pandas as pd
import pytest
from payload_receiver import counter_value, run_receiver
from server_harness import free_port

from roost.core.contract.outputs import Output
from roost.core.runtime.metrics import Metrics
from roost.core.serving.dataplane import PredictionRecord
from roost.core.serving.payload.cloudevents import (
    REQUEST_TYPE,
    RESPONSE_TYPE,
    CloudEventsSender,
)
from roost.core.serving.payload.wiring import http_sink


def _record(request_id: str | None = "req-7") -> PredictionRecord:
    return PredictionRecord(
        "parity",
        "0.3",
        request_id,
        pd.DataFrame({"n": [2, 5]}),
        (0, 2),
        {"predictions": ["even", "odd"], "probabilities": [[1.0, 0.0], [0.0, 1.0]]},
        (Output.label(["even", "odd"]), Output.probabilities(["even", "odd"])),
        1_700_000_000.0,
        0.002,
    )


def _dropped(metrics: Metrics) -> float:
    exposition = metrics.render().decode()
    return counter_value(exposition, "roost_payload_log_dropped_total", sink="http")


class TestCloudEvents:
    """Each prediction is a request event and a response event, binary mode."""

    def test_receiver_gets_kserve_headers_and_matching_bodies(self) -> None:
        """ce-* headers as KServe's logger sets them; bodies hold rows and outputs."""
        with run_receiver() as receiver:
            sender = CloudEventsSender(receiver.url + "?from=roost", "prod")
            assert sender.send([_record()]) == 1
            request, response = receiver.wait_for(2)
            sender.close()
        assert request.path == response.path == "/events?from=roost"
        assert request.headers["ce-type"] == REQUEST_TYPE
        assert response.headers["ce-type"] == RESPONSE_TYPE
        for event in (request, response):
            assert event.headers["ce-specversion"] == "1.0"
            assert event.headers["ce-id"] == "req-7"
            assert event.headers["ce-source"] == "/v1/models/parity/versions/0.3"
            assert event.headers["ce-time"] == "2023-11-14T22:13:20Z"
            assert event.headers["ce-inferenceservicename"] == "parity"
            assert event.headers["ce-namespace"] == "prod"
            assert event.headers["ce-component"] == "predictor"
            assert event.headers["ce-endpoint"] == "default"
            assert event.headers["ce-modelversion"] == "0.3"
            assert event.headers["content-type"] == "application/json"
        assert json.loads(request.body) == {"inputs": [{"n": 2}, {"n": 5}]}
        assert json.loads(response.body) == {
            "model": "parity",
            "version": "0.3",
            "predictions": ["even", "odd"],
            "probabilities": [{"even": 1.0, "odd": 0.0}, {"even": 0.0, "odd": 1.0}],
        }

    def test_a_request_without_an_id_gets_one_shared_by_both_events(self) -> None:
        """Request and response events of one prediction share a fresh ce-id."""
        with run_receiver() as receiver:
            sender = CloudEventsSender(receiver.url, "default")
            sender.send([_record(None), _record(None)])
            events = receiver.wait_for(4)
            sender.close()
        ids = [event.headers["ce-id"] for event in events]
        assert ids[0] == ids[1] != ids[2] == ids[3]

    def test_an_unreachable_receiver_drops_and_counts(self) -> None:
        """Nothing listens: the record is dropped and counted, the caller unharmed."""
        metrics = Metrics()
        sender = CloudEventsSender(
            f"http://127.0.0.1:{free_port()}/", "default", timeout=2
        )
        sink = http_sink(sender, capacity=10, metrics=metrics)
        sink.offer(_record())
        deadline = time.monotonic() + 10
        while _dropped(metrics) < 1:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        sink.close()

    def test_a_url_that_is_not_http_is_refused(self) -> None:
        """Only http and https URLs are accepted."""
        with pytest.raises(ValueError, match="not an http"):
            CloudEventsSender("ftp://example.org/", "default")
