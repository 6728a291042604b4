"""ROOST_GC_YOUNG_THRESHOLD reaches each worker of a real server."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from server_harness import RunningServer, run_server

pytestmark = pytest.mark.integration

#: Info level, so that each worker logs how it set its collector.
TESTING = {
    "ROOST_ADAPTER_NAMESPACE": "roost.adapters.testing",
    "ROOST_LOG_LEVEL": "info",
}


def collector_lines(server: RunningServer, workers: int) -> list[str]:
    """Wait for each worker's garbage-collector line; return them."""
    deadline = time.monotonic() + 30
    while True:
        lines = [
            line
            for line in server.log_text().splitlines()
            if "garbage collector:" in line
        ]
        if len(lines) >= workers or time.monotonic() > deadline:
            return lines
        time.sleep(0.1)


@pytest.mark.parametrize(
    ("setting", "thresholds"),
    [({}, "thresholds 10000/10/10"), ({"ROOST_GC_YOUNG_THRESHOLD": "0"}, "700/10/10")],
)
def test_each_worker_sets_its_collector_after_loading(
    tmp_path: Path, setting: dict[str, str], thresholds: str
) -> None:
    """Both workers froze what they loaded and use the setting's threshold."""
    with run_server(tmp_path, workers=2, **TESTING, **setting) as server:
        assert server.get("/health").status_code == 200
        lines = collector_lines(server, 2)
    assert len(lines) == 2, lines
    for line in lines:
        assert thresholds in line
        frozen = int(line.split("garbage collector: ")[1].split()[0])
        assert frozen > 1000
