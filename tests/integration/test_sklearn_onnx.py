"""The ONNX engine end to end: `roost package`, pip install, 2 gunicorn workers.

The classifier is packaged with the default `--engine auto`, which keeps the
ONNX graph when it agrees with scikit-learn on the reference rows; each worker
opens its own onnxruntime session and says so in the server log.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import skops.io
from server_harness import (
    RunningServer,
    roost_command,
    roost_env,
    run_server,
    wait_for_workers,
    worker_pids,
)
from sklearn.pipeline import Pipeline
from sklearn_models import (
    COMPLETE_STRINGS,
    FITTED_ROWS,
    ONNX_FEATURES,
    TARGET,
    onnx_band_pipeline,
    read_ames,
)

pytestmark = pytest.mark.integration

SESSION_LINE = re.compile(
    r"model band 1\.0\.0 engine=onnx: onnx session in pid (\d+) threads=(\d+)"
)


@dataclass(frozen=True)
class Packaged:
    """The fitted classifier, rows it was not fitted on, its card and install."""

    model: Pipeline
    rows: pd.DataFrame
    card: dict[str, Any]
    stderr: str
    site: Path
    work: Path


@pytest.fixture(scope="module")
def packaged(tmp_path_factory: pytest.TempPathFactory) -> Packaged:
    """The classifier packaged by the `roost package` command and pip-installed."""
    work = tmp_path_factory.mktemp("sklearn-onnx")
    ames = read_ames()
    fitted = ames.iloc[:FITTED_ROWS]
    fitted[[*ONNX_FEATURES, TARGET]].to_csv(work / "houses.csv", index=False)
    model = onnx_band_pipeline(fitted)
    skops.io.dump(model, work / "band.skops")
    done = subprocess.run(
        roost_command(
            "package", "--model", str(work / "band.skops"),
            "--data", str(work / "houses.csv"), "--target", TARGET,
            "--name", "band", "--version", "1.0.0", "--trust", "numpy.dtype",
        ),
        env=roost_env(),
        cwd=work,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    wheel = Path(done.stdout.strip().splitlines()[-1])
    with zipfile.ZipFile(wheel) as archive:
        card = json.loads(archive.read("roost_model_band_v1_0_0/card.json"))
    site = work / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
         "--disable-pip-version-check", "--target", str(site), str(wheel)],
        check=True,
        timeout=300,
    )  # fmt: skip
    rows = ames.iloc[FITTED_ROWS:][ONNX_FEATURES]
    for column in COMPLETE_STRINGS:  # categories the schema accepts
        rows = rows[rows[column].isin(set(fitted[column]))]
    return Packaged(model, rows.reset_index(drop=True), card, done.stderr, site, work)


@pytest.fixture(scope="module")
def server(packaged: Packaged) -> Iterator[RunningServer]:
    """Two workers, each pinned to a CPU (cpu_affinity on)."""
    with run_server(
        packaged.work,
        workers=2,
        PYTHONPATH=packaged.site,
        ROOST_MODEL_DIR=packaged.work / "models",
        ROOST_CPU_AFFINITY="on",
        ROOST_LOG_LEVEL="info",  # the start-up and session lines
    ) as running:
        wait_for_workers(running, 2)
        yield running


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")


class TestPackaged:
    """`roost package` picked ONNX, said so and why, and recorded the difference."""

    def test_engine_and_difference(self, packaged: Packaged) -> None:
        """The card names onnx; stderr says the difference and the tolerance."""
        card = packaged.card
        assert card["engine"] == "onnx"
        assert card["onnx_refused"] is None
        assert 0 <= card["onnx_max_difference"] <= card["onnx_tolerance"]
        assert "roost package: engine onnx: largest difference" in packaged.stderr


class TestServed:
    """Each worker has its own session; answers are the estimator's."""

    def test_one_session_per_worker(self, server: RunningServer) -> None:
        """One session line per worker pid, one intra-op thread on a pinned worker."""
        sessions = dict(SESSION_LINE.findall(server.log_text()))
        assert set(map(int, sessions)) == worker_pids(server)
        assert set(sessions.values()) == {"1"}

    def test_answers_equal_the_estimator(
        self, server: RunningServer, packaged: Packaged
    ) -> None:
        """Labels equal; probabilities within the card's tolerance; gaps included."""
        rows = packaged.rows
        assert rows.isna().any(axis=1).sum() > 10
        answer = server.post("/v1/models/band/predict", json=_records(rows))
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["predictions"] == packaged.model.predict(rows).tolist()
        labels = packaged.model.classes_.tolist()
        got = np.array([[row[k] for k in labels] for row in body["probabilities"]])
        np.testing.assert_allclose(
            got,
            packaged.model.predict_proba(rows),
            rtol=0,
            atol=packaged.card["onnx_tolerance"],
        )

    def test_one_record(self, server: RunningServer, packaged: Packaged) -> None:
        """A batch of one record answers as the estimator predicts it."""
        row = packaged.rows.head(1)
        answer = server.post("/v1/models/band/predict", json=_records(row))
        assert answer.status_code == 200, answer.text
        assert answer.json()["predictions"] == packaged.model.predict(row).tolist()

    def test_bad_input_is_refused(
        self, server: RunningServer, packaged: Packaged
    ) -> None:
        """A zoning outside the data's few values is a 422 naming the field."""
        record = _records(packaged.rows.head(1).assign(MSZoning="XX"))
        answer = server.post("/v1/models/band/predict", json=record)
        assert answer.status_code == 422
        assert "MSZoning" in answer.json()["errors"]["0"]
