"""The payload log on real gunicorn: lines and CloudEvents that match answers."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from payload_receiver import Receiver, counter_value, run_receiver
from server_harness import RunningServer, run_server, wait_for_workers

pytestmark = pytest.mark.integration

TESTING = "roost.adapters.testing"
REQUESTS = 40


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    """A real HTTP server that keeps the CloudEvents posted to it."""
    with run_receiver() as running:
        yield running


@pytest.fixture(scope="module")
def logging_server(
    tmp_path_factory: pytest.TempPathFactory, receiver: Receiver
) -> Iterator[tuple[RunningServer, Path]]:
    """Two workers logging every prediction to one file and to the receiver."""
    folder = tmp_path_factory.mktemp("payload-log")
    path = folder / "payload.jsonl"
    with run_server(
        folder,
        workers=2,
        ROOST_ADAPTER_NAMESPACE=TESTING,
        ROOST_LOG_LEVEL="info",  # wait_for_workers reads the start-up lines
        ROOST_MODEL_DIR=folder / "models",
        ROOST_PAYLOAD_LOG=path,
        ROOST_PAYLOAD_LOG_URL=receiver.url,
        ROOST_PAYLOAD_LOG_NAMESPACE="ml",
    ) as server:
        wait_for_workers(server, 2)
        yield server, path


def _lines(paths: list[Path], count: int) -> list[dict[str, Any]]:
    """Wait until the files hold `count` lines; return them parsed."""
    deadline = time.monotonic() + 30
    while True:
        raw = [
            line
            for path in paths
            if path.exists()
            for line in path.read_bytes().splitlines()
        ]
        if len(raw) >= count or time.monotonic() > deadline:
            return [json.loads(line) for line in raw]
        time.sleep(0.05)


def _post_v1(server: RunningServer, number: int) -> tuple[str, dict[str, Any]]:
    request_id = f"v1-{number}"
    response = server.post(
        "/v1/models/parity/predict",
        json=[{"n": number}, {"n": number + 1}],
        headers={"X-Request-ID": request_id},
    )
    assert response.status_code == 200
    return request_id, response.json()


def _post_v2(server: RunningServer, number: int) -> tuple[str, dict[str, Any]]:
    request_id = f"v2-{number}"
    body = {
        "inputs": [
            {"name": "x", "datatype": "FP64", "shape": [2], "data": [number, 0.5]}
        ]
    }
    response = server.post(
        "/v2/models/echo/infer", json=body, headers={"X-Request-ID": request_id}
    )
    assert response.status_code == 200
    return request_id, response.json()


class TestPayloadLogFile:
    """Every worker appends to one file: one line per request, matching answers."""

    def test_one_line_per_request_with_the_answers(
        self, logging_server: tuple[RunningServer, Path], receiver: Receiver
    ) -> None:
        """v1 and V2 requests from many connections each leave one whole line."""
        server, path = logging_server
        written = counter_value(
            server.get("/metrics").text, "roost_payload_log_written_total", sink="file"
        )
        with ThreadPoolExecutor(8) as pool:
            v1 = dict(pool.map(lambda n: _post_v1(server, n), range(REQUESTS)))
            v2 = dict(pool.map(lambda n: _post_v2(server, n), range(REQUESTS)))
        # Other tests share the file: wait for this test's own request ids.
        ours = {*v1, *v2}
        deadline = time.monotonic() + 30
        while True:
            lines = {
                line["request_id"]: line
                for line in _lines([path], 0)
                if line["request_id"] in ours
            }
            if len(lines) == len(ours) or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert len(lines) == 2 * REQUESTS
        for request_id, answer in v1.items():
            line = lines[request_id]
            number = int(request_id.split("-")[1])
            assert (line["model"], line["version"]) == ("parity", answer["version"])
            assert line["inputs"] == [{"n": number}, {"n": number + 1}]
            assert line["outputs"] == {
                "predictions": answer["predictions"],
                "probabilities": answer["probabilities"],
            }
            assert line["rows"] == 2
        for request_id, answer in v2.items():
            line = lines[request_id]
            number = int(request_id.split("-")[1])
            assert (line["model"], line["version"]) == ("echo", answer["model_version"])
            assert line["inputs"] == [{"x": number}, {"x": 0.5}]
            (output,) = answer["outputs"]
            assert line["outputs"] == {"predictions": output["data"]}
        metrics = server.get("/metrics").text
        assert (
            counter_value(metrics, "roost_payload_log_written_total", sink="file")
            == written + 2 * REQUESTS
        )
        assert counter_value(metrics, "roost_payload_log_dropped_total") == 0

    def test_requests_that_fail_validation_are_not_logged(
        self, logging_server: tuple[RunningServer, Path]
    ) -> None:
        """A 422 answer leaves no line; only the valid rows of a partial one do."""
        server, path = logging_server
        before = len(_lines([path], 0))
        refused = server.post(
            "/v1/models/parity/predict",
            json=[{"n": "odd"}],
            headers={"X-Request-ID": "refused"},
        )
        assert refused.status_code == 422
        marker = server.post(
            "/v1/models/parity/predict",
            json=[{"n": 9}],
            headers={"X-Request-ID": "marker"},
        )
        assert marker.status_code == 200
        lines = _lines([path], before + 1)
        assert [line["request_id"] for line in lines[before:]] == ["marker"]

    def test_the_file_is_private(
        self, logging_server: tuple[RunningServer, Path]
    ) -> None:
        """The log holds requests' inputs: mode 0600."""
        _, path = logging_server
        assert path.stat().st_mode & 0o777 == 0o600


class TestCloudEventsOverHttp:
    """The same predictions reach a real receiver as KServe logger CloudEvents."""

    def test_request_and_response_events_match_the_answer(
        self, logging_server: tuple[RunningServer, Path], receiver: Receiver
    ) -> None:
        """Each request gives two events with the KServe headers and its data."""
        server, _ = logging_server
        _, answer = _post_v1(server, 1000)
        deadline = time.monotonic() + 30
        while True:
            events = [
                event
                for event in receiver.posted
                if event.headers.get("ce-id") == "v1-1000"
            ]
            if len(events) >= 2 or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        by_type = {event.headers["ce-type"]: event for event in events}
        request = by_type["org.kubeflow.serving.inference.request"]
        response = by_type["org.kubeflow.serving.inference.response"]
        for event in (request, response):
            assert event.headers["ce-specversion"] == "1.0"
            assert event.headers["ce-inferenceservicename"] == "parity"
            assert event.headers["ce-namespace"] == "ml"
            assert event.headers["ce-source"].startswith("/v1/models/parity/")
            assert event.headers["ce-time"].endswith("Z")
            assert event.headers["content-type"] == "application/json"
        assert json.loads(request.body) == {"inputs": [{"n": 1000}, {"n": 1001}]}
        assert json.loads(response.body) == answer


class TestSampledAndRotated:
    """A sampled log keeps about its share; a full file rotates, lines whole."""

    def test_half_sampled_and_rotated_by_size(
        self, tmp_path_factory: pytest.TempPathFactory
    ) -> None:
        """Sample 0.5 of 200 requests: about 100 lines over several files."""
        folder = tmp_path_factory.mktemp("payload-sampled")
        path = folder / "payload.jsonl"
        with run_server(
            folder,
            workers=2,
            ROOST_ADAPTER_NAMESPACE=TESTING,
            ROOST_LOG_LEVEL="info",  # wait_for_workers reads the start-up lines
            ROOST_MODEL_DIR=folder / "models",
            ROOST_PAYLOAD_LOG=path,
            ROOST_PAYLOAD_LOG_SAMPLE="0.5",
            ROOST_PAYLOAD_LOG_MAX_BYTES="4000",
            ROOST_PAYLOAD_LOG_BACKUPS="100",
        ) as server:
            wait_for_workers(server, 2)
            with ThreadPoolExecutor(8) as pool:
                answers = list(pool.map(lambda n: _post_v1(server, n), range(200)))
            assert len(answers) == 200
        # Stopped, each worker has delivered what it still held.
        files = _files(path)
        lines = _lines(files, 0)
        assert 60 <= len(lines) <= 140
        assert len({line["request_id"] for line in lines}) == len(lines)
        assert len(files) > 2
        for file in files:
            assert file.stat().st_size <= 4000


def _files(path: Path) -> list[Path]:
    return [path, *path.parent.glob(f"{path.name}.[0-9]*")]
