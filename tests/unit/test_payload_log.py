"""The payload log observer: sampling, settings, and lines that match answers."""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

import pytest
from adapter_registry import registry_of
from roost_fixture_echo import EchoAdapter, ParityAdapter

from roost.core.runtime.metrics import Metrics
from roost.core.runtime.settings import Settings
from roost.core.serving.dataplane import DataPlane, PredictionRecord
from roost.core.serving.input_batch import InputBatch
from roost.core.serving.payload import PayloadLog, build_payload_log


class _Keeping:
    """A stand-in sink that keeps what it is offered."""

    sink = "keeping"

    def __init__(self) -> None:
        self.records: list[PredictionRecord] = []

    def offer(self, record: PredictionRecord) -> None:
        """Keep the record."""
        self.records.append(record)

    def close(self, timeout: float = 2.0) -> None:
        """Nothing to deliver."""


def _plane(tmp_path: Path, payload_log: PayloadLog) -> DataPlane:
    registry = registry_of(tmp_path, EchoAdapter, ParityAdapter)
    registry.load_all()
    return DataPlane(registry, observers=[payload_log])


def _read_lines(path: Path, count: int) -> list[dict[str, object]]:
    deadline = time.monotonic() + 10
    while not path.exists() or len(path.read_bytes().splitlines()) < count:
        assert time.monotonic() < deadline, "the payload log did not catch up"
        time.sleep(0.02)
    return [json.loads(line) for line in path.read_bytes().splitlines()]


class TestSampling:
    """ROOST_PAYLOAD_LOG_SAMPLE keeps that share of requests, all sinks alike."""

    @pytest.mark.parametrize(("sample", "kept"), [(0.0, 0), (1.0, 400)])
    def test_none_or_every_request(
        self, tmp_path: Path, sample: float, kept: int
    ) -> None:
        """0 keeps no request and 1 keeps every one."""
        sink = _Keeping()
        plane = _plane(tmp_path, PayloadLog([sink], sample))
        for x in range(400):
            plane.predict("echo", InputBatch.of_records([{"x": x + 0.5}]))
        assert len(sink.records) == kept

    def test_half_of_the_requests(self, tmp_path: Path) -> None:
        """0.5 keeps about half, and every sink the same requests."""
        first, second = _Keeping(), _Keeping()
        payload_log = PayloadLog(
            [first, second],
            0.5,
            random.Random(7),
        )
        plane = _plane(tmp_path, payload_log)
        for x in range(400):
            plane.predict("echo", InputBatch.of_records([{"x": x + 0.5}]))
        assert 140 <= len(first.records) <= 260
        assert first.records == second.records

    def test_a_share_outside_0_to_1_is_refused(self) -> None:
        """A sample above 1 is a configuration mistake, refused at start-up."""
        with pytest.raises(ValueError, match="between 0 and 1"):
            Settings.from_env({"ROOST_PAYLOAD_LOG_SAMPLE": "1.5"})


class TestFromSettings:
    """build_dataplane wires a payload log only when a sink is configured."""

    def test_no_path_and_no_url_means_no_payload_log(self) -> None:
        """Unset settings leave the data plane without a payload log."""
        assert build_payload_log(Settings.from_env({}), Metrics()) is None

    def test_a_url_that_is_not_http_is_refused_at_start_up(self) -> None:
        """ROOST_PAYLOAD_LOG_URL must be an http(s) URL."""
        with pytest.raises(ValueError, match="payload_log_url"):
            Settings.from_env({"ROOST_PAYLOAD_LOG_URL": "file:///tmp/x"})

    def test_lines_match_the_answers(self, tmp_path: Path) -> None:
        """Each request is one line whose inputs and outputs are the answer's."""
        path = tmp_path / "payload.jsonl"
        settings = Settings.from_env(
            {"ROOST_PAYLOAD_LOG": str(path), "ROOST_PAYLOAD_LOG_MAX_BYTES": "0"}
        )
        payload_log = build_payload_log(settings, Metrics())
        assert payload_log is not None
        plane = _plane(tmp_path, payload_log)
        echo = plane.predict(
            "echo",
            InputBatch.of_records([{"x": 1.5}, {"x": "bad"}, {"x": 2.5, "count": 3}]),
            partial=True,
        )
        parity = plane.predict("parity", InputBatch.of_records([{"n": 4}, {"n": 7}]))
        payload_log.close()
        first, second = _read_lines(path, 2)
        assert first["model"] == "echo"
        assert first["positions"] == [0, 2]
        assert first["inputs"] == [
            {"x": 1.5, "label": None, "count": None},
            {"x": 2.5, "label": None, "count": 3},
        ]
        assert first["outputs"] == {
            "predictions": [p for p in echo.predictions if p is not None]
        }
        assert second["model"] == "parity"
        assert second["version"] == parity.version
        assert second["inputs"] == [{"n": 4}, {"n": 7}]
        assert second["outputs"] == {
            "predictions": parity.outputs["predictions"],
            "probabilities": [
                {"even": 1.0, "odd": 0.0},
                {"even": 0.0, "odd": 1.0},
            ],
        }
