"""Drift you can see: roost_feature_drift over two workers, and `roost drift`."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import orjson
import pandas as pd
import pytest
import requests
from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families
from server_harness import (
    RunningServer,
    roost_command,
    roost_env,
    run_server,
    wait_for_workers,
    worker_pids,
)

from roost_house_prices.adapter import HousePricesAdapter
from roost_house_prices.config import FEATURES
from roost_house_prices.dataset import load_dataset

pytestmark = pytest.mark.integration

MODEL, VERSION = "house-prices", HousePricesAdapter.version
SHIFTED = "GrLivArea"


def reference_records(count: int) -> list[dict[str, Any]]:
    """A seeded sample of house-prices' reference rows, missing values as None."""
    frame = load_dataset("test.csv")[list(FEATURES)].sample(count, random_state=7)
    return [
        {key: None if pd.isna(value) else value for key, value in row.items()}
        for row in frame.to_dict("records")
    ]


def shifted(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The same rows with three times the living area (within the schema's cap)."""
    return [{**row, SHIFTED: min(3 * row[SHIFTED], 100_000)} for row in records]


def post_all(server: RunningServer, records: list[dict[str, Any]]) -> int:
    """Post `records` in batches over fresh connections; return the valid rows."""
    batches = [records[i : i + 40] for i in range(0, len(records), 40)]

    def post(batch: list[dict[str, Any]]) -> int:
        answer = requests.post(
            server.url(f"/v1/models/{MODEL}/predict"),
            params={"partial": "true"},
            json=batch,
            timeout=60,
        )
        assert answer.status_code == 200, answer.text
        return sum(value is not None for value in answer.json()["predictions"])

    with ThreadPoolExecutor(4) as pool:
        return sum(pool.map(post, batches))


def scrape(text: str) -> tuple[dict[str, float], dict[str, float]]:
    """Return the drift and the counted rows per feature in a /metrics text."""
    drift: dict[str, float] = {}
    rows: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.labels.get("model") != MODEL:
                continue
            feature = sample.labels.get("feature", "")
            if sample.name == "roost_feature_drift":
                drift[feature] = sample.value
            elif sample.name == "roost_feature_bin_total":
                rows[feature] = rows.get(feature, 0.0) + sample.value
    return drift, rows


def settled(server: RunningServer, expected_rows: int) -> dict[str, float]:
    """Scrape until every counted feature holds `expected_rows`; return the drift."""
    deadline = time.monotonic() + 30
    while True:
        drift, rows = scrape(server.get("/metrics").text)
        if len(rows) == len(FEATURES) and set(rows.values()) == {expected_rows}:
            return drift
        assert time.monotonic() < deadline, f"rows counted: {rows}"
        time.sleep(0.2)


def rows_counted_by(metrics_dir: Path, pid: int, scratch: Path) -> float:
    """Return the bin counts one worker wrote (its own multiprocess file)."""
    own = scratch / str(pid)
    own.mkdir()
    for path in metrics_dir.glob(f"counter_{pid}.db"):
        shutil.copy(path, own / path.name)
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(own))
    return sum(
        sample.value
        for family in registry.collect()
        for sample in family.samples
        if sample.name == "roost_feature_bin_total"
        and sample.labels["feature"] == SHIFTED
    )


@pytest.fixture
def server(
    tmp_path_factory: pytest.TempPathFactory, house_prices_model_dir: Path
) -> Iterator[RunningServer]:
    """A fresh house-prices server on two workers: metrics, a payload log."""
    folder = tmp_path_factory.mktemp("drift-server")
    with run_server(
        folder,
        workers=2,
        ROOST_MODEL_DIR=house_prices_model_dir,
        ROOST_METRICS_DIR=folder / "metrics",
        ROOST_PAYLOAD_LOG=folder / "payload.jsonl",
        ROOST_LOG_LEVEL="info",
    ) as running:
        wait_for_workers(running, 2)
        yield running


class TestFeatureDrift:
    """After shifted inputs, the shifted feature's PSI rises and no other's."""

    def test_one_shifted_feature_drifts_over_two_workers(
        self, server: RunningServer, tmp_path: Path
    ) -> None:
        """Reference-like rows: all stable; then GrLivArea x3: only it shifts."""
        records = reference_records(1000)
        valid = post_all(server, records)
        assert valid > 800
        before = settled(server, valid)
        assert len(before) == len(FEATURES)
        assert max(before.values()) < 0.1, before

        assert post_all(server, shifted(records)) == valid
        after = settled(server, 2 * valid)
        assert after[SHIFTED] > 0.25, after
        others = {f: v for f, v in after.items() if f != SHIFTED}
        assert max(others.values()) < 0.1, others

        metrics_dir = server.log.parent / "metrics"
        per_worker = [
            rows_counted_by(metrics_dir, pid, tmp_path) for pid in worker_pids(server)
        ]
        assert all(rows > 0 for rows in per_worker), per_worker
        assert sum(per_worker) == 2 * valid

    def test_roost_drift_on_the_payload_log_agrees_with_metrics(
        self, server: RunningServer, house_prices_model_dir: Path
    ) -> None:
        """The server's own payload log gives the PSI /metrics shows, per feature."""
        records = reference_records(400)
        post_all(server, records)
        post_all(server, shifted(records))
        log = server.log.parent / "payload.jsonl"
        deadline = time.monotonic() + 30
        while True:
            drift, rows = scrape(server.get("/metrics").text)
            logged = sum(
                len(orjson.loads(line)["inputs"])
                for line in log.read_bytes().splitlines()
            )
            if len(set(rows.values())) == 1 and logged == next(iter(rows.values())):
                break
            assert time.monotonic() < deadline, (rows, logged)
            time.sleep(0.2)
        done = subprocess.run(
            roost_command("drift", MODEL, "--log", str(log)),
            env=roost_env(ROOST_MODEL_DIR=house_prices_model_dir),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        table = done.stdout.splitlines()[2:]
        printed = {line.split()[0]: float(line.split()[1]) for line in table}
        assert printed == pytest.approx(drift, abs=1e-4)
        assert printed[SHIFTED] > 0.25


def write_log(path: Path, records: list[dict[str, Any]]) -> None:
    """Write a payload log: one line per request of 50 rows, plus noise."""
    lines = [b"not json", orjson.dumps({"model": "other", "inputs": records[:5]})]
    for start in range(0, len(records), 50):
        lines.append(
            orjson.dumps(
                {
                    "time": "2026-01-01T00:00:00Z",
                    "request_id": f"r{start}",
                    "model": MODEL,
                    "version": VERSION,
                    "inputs": records[start : start + 50],
                    "outputs": {"predictions": [1.0] * 50},
                }
            )
        )
    path.write_bytes(b"\n".join(lines) + b"\n")


class TestDriftCommand:
    """`roost drift` reads a payload log and prints and draws each feature's PSI."""

    def test_table_and_html_report(
        self, tmp_path: Path, house_prices_model_dir: Path
    ) -> None:
        """The shifted feature reads as a shift; the page has a chart per feature."""
        log, page = tmp_path / "payload.jsonl", tmp_path / "drift.html"
        write_log(log, shifted(reference_records(1000)))
        done = subprocess.run(
            roost_command("drift", MODEL, "--log", str(log), "--html", str(page)),
            env=roost_env(ROOST_MODEL_DIR=house_prices_model_dir),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        table = done.stdout.splitlines()
        assert "1000 logged row(s) from 20 line(s)" in table[0]
        assert "1 line(s) skipped" in table[0]
        readings = {
            line.split()[0]: line.split()[1:] for line in table[2 : 2 + len(FEATURES)]
        }
        assert len(readings) == len(FEATURES)
        assert readings[SHIFTED][1] == "shift"
        assert table[2].startswith(SHIFTED)
        assert all(float(psi) < 0.1 for f, (psi, _) in readings.items() if f != SHIFTED)
        html = page.read_text()
        assert html.count("<svg") == len(FEATURES)
        assert "<script" not in html
        assert "src=" not in html
        for feature in readings:
            assert f"<h2>{feature}: PSI" in html

    def test_a_log_without_the_model_is_a_clear_error(
        self, tmp_path: Path, house_prices_model_dir: Path
    ) -> None:
        """No rows of the model: exit 1 and say so."""
        log = tmp_path / "payload.jsonl"
        log.write_bytes(orjson.dumps({"model": "other", "inputs": [{"x": 1}]}) + b"\n")
        done = subprocess.run(
            roost_command("drift", MODEL, "--log", str(log)),
            env=roost_env(ROOST_MODEL_DIR=house_prices_model_dir),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 1
        assert f"no input rows of model {MODEL!r}" in done.stderr
