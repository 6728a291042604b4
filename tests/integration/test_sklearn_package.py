"""`roost package` end to end: fit, package, pip install, serve on real gunicorn.

Models are fitted here on Ames rows and saved as users save them (skops,
joblib); `roost package` runs as a command; the wheels are installed with
pip into a folder that the server sees through PYTHONPATH. The answers must
be the estimators' own.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import skops.io
import tritonclient.http as httpclient
from server_harness import RunningServer, roost_command, roost_env, run_server
from sklearn.pipeline import Pipeline
from sklearn_models import (
    AMES,
    FEATURES,
    FITTED_ROWS,
    STRINGS,
    TARGET,
    band_pipeline,
    price_pipeline,
    read_ames,
)

pytestmark = pytest.mark.integration

README = Path(__file__).resolve().parents[2] / "README.md"
README_SECTION = "## Serve a scikit-learn model in one command"

#: The pipelines hold only types skops or roost-sklearn trusts (an imputer's
#: numpy.dtype included): no --trust.
TRUST: tuple[str, ...] = ()


@dataclass(frozen=True)
class Packaged:
    """The fitted models, the held-out rows, the wheels and where they live."""

    band_v1: Pipeline
    band_v2: Pipeline
    price: Pipeline
    held_out: pd.DataFrame
    site: Path
    work: Path


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")


def _package(work: Path, *args: str | Path) -> Path:
    """Run `roost package ARGS` in `work`; return the wheel its last line names."""
    done = subprocess.run(
        roost_command("package", *map(str, args)),
        env=roost_env(),
        cwd=work,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "roost package: building the wheel" in done.stderr
    wheel = Path(done.stdout.strip().splitlines()[-1])
    assert wheel.is_file()
    return wheel


def _held_out(ames: pd.DataFrame, fitted: pd.DataFrame) -> pd.DataFrame:
    """Rows not fitted on, whose categories the fitted rows all have."""
    rows = ames.iloc[FITTED_ROWS:]
    for column in STRINGS:
        seen = set(fitted[column].dropna())
        rows = rows[rows[column].isna() | rows[column].isin(seen)]
    return rows[FEATURES].reset_index(drop=True)


@pytest.fixture(scope="module")
def packaged(tmp_path_factory: pytest.TempPathFactory) -> Packaged:
    """Two versions of a classifier and a regressor, packaged and pip-installed."""
    work = tmp_path_factory.mktemp("sklearn-package")
    ames = read_ames()
    fitted = ames.iloc[:FITTED_ROWS]
    fitted.to_csv(work / "houses.csv", index=False)
    band_v1, band_v2 = band_pipeline(fitted), band_pipeline(fitted, C=0.02)
    price = price_pipeline(fitted)
    skops.io.dump(band_v1, work / "band-1.skops")
    skops.io.dump(band_v2, work / "band-2.skops")
    skops.io.dump(price, work / "price.skops")
    data = work / "houses.csv"
    band = ("--data", data, "--name", "band", "--target", TARGET, *TRUST)
    commands = [
        ("--model", work / "band-1.skops", *band, "--version", "1.0.0"),
        ("--model", work / "band-2.skops", *band, "--version", "1.1.0"),
        (
            "--model", work / "price.skops", "--data", data,
            "--name", "price", "--version", "3.0", "--target", TARGET, *TRUST,
        ),
    ]  # fmt: skip
    # NOTE: each `roost package` builds in a scratch folder of its own and only
    # its finished wheel lands in dist/, so the three run side by side.
    with ThreadPoolExecutor(len(commands)) as pool:
        wheels = list(pool.map(lambda args: _package(work, *args), commands))
    assert {wheel.parent for wheel in wheels} == {work / "dist"}
    site = work / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
         "--disable-pip-version-check", "--target", str(site), *map(str, wheels)],
        check=True,
        timeout=300,
    )  # fmt: skip
    return Packaged(band_v1, band_v2, price, _held_out(ames, fitted), site, work)


@pytest.fixture(scope="module")
def server(packaged: Packaged) -> Iterator[RunningServer]:
    """A server of what the wheels installed, and nothing trained."""
    with run_server(
        packaged.work,
        workers=2,
        PYTHONPATH=packaged.site,
        ROOST_MODEL_DIR=packaged.work / "models",
    ) as running:
        yield running


class TestServed:
    """After install and restart the packaged models are listed and answer."""

    def test_listed(self, server: RunningServer) -> None:
        """Both versions of band and price are installed and ready."""
        models = server.get("/v1/models").json()["models"]
        by_name = {model["name"]: model for model in models}
        assert {"band", "price"} <= set(by_name)
        body = server.get("/v1/models/band").json()
        assert body["version"] == "1.1.0"
        assert body["input_schema"]["MSZoning"]["allowed"]
        assert body["input_schema"]["BsmtQual"]["nullable"] is True

    def test_labels_equal_the_newest_estimator(
        self, server: RunningServer, packaged: Packaged
    ) -> None:
        """The default version is the newest; its labels are the estimator's."""
        rows = packaged.held_out
        assert rows.isna().any(axis=1).sum() > 10  # missing values included
        answer = server.post("/v1/models/band/predict", json=_records(rows))
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["version"] == "1.1.0"
        assert body["predictions"] == packaged.band_v2.predict(rows).tolist()

    def test_older_version_on_its_route(
        self, server: RunningServer, packaged: Packaged
    ) -> None:
        """The first version answers on its versioned route, as it predicts."""
        rows = packaged.held_out
        v1 = packaged.band_v1.predict(rows).tolist()
        assert v1 != packaged.band_v2.predict(rows).tolist()  # two different models
        answer = server.post(
            "/v1/models/band/versions/1.0.0/predict", json=_records(rows)
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["version"] == "1.0.0"
        assert answer.json()["predictions"] == v1

    def test_probabilities_equal_the_estimator(
        self, server: RunningServer, packaged: Packaged
    ) -> None:
        """v1 probabilities, one object per row keyed by label, match to 1e-9."""
        rows = packaged.held_out
        body = server.post("/v1/models/band/predict", json=_records(rows)).json()
        want = packaged.band_v2.predict_proba(rows)
        labels = packaged.band_v2.classes_.tolist()
        got = np.array(
            [[row[label] for label in labels] for row in body["probabilities"]]
        )
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)

    def test_regressor_predicts_as_its_estimator(
        self, server: RunningServer, packaged: Packaged
    ) -> None:
        """The packaged regressor's predictions are its estimator's."""
        rows = packaged.held_out
        answer = server.post("/v1/models/price/predict", json=_records(rows))
        assert answer.status_code == 200, answer.text
        np.testing.assert_allclose(
            answer.json()["predictions"], packaged.price.predict(rows), rtol=1e-12
        )

    def test_openapi_lists_the_models(self, server: RunningServer) -> None:
        """/openapi.json describes the packaged models."""
        text = server.get("/openapi.json").text
        assert '"band"' in text
        assert '"price"' in text


class TestRefused:
    """Bad input is a 422 that names the field, for the estimator's own reason."""

    def test_unknown_listed_category(
        self, server: RunningServer, packaged: Packaged
    ) -> None:
        """A zoning outside the data's few values is refused by the schema."""
        record = _records(packaged.held_out.head(1).assign(MSZoning="XX"))
        answer = server.post("/v1/models/band/predict", json=record)
        assert answer.status_code == 422
        assert "MSZoning" in answer.json()["errors"]["0"]

    def test_unknown_category_of_a_wide_column(
        self, server: RunningServer, packaged: Packaged
    ) -> None:
        """Neighbourhoods (24: too many to list) are the encoder's categories."""
        record = _records(packaged.held_out.head(1).assign(Neighborhood="Atlantis"))
        answer = server.post("/v1/models/band/predict", json=record)
        assert answer.status_code == 422
        assert "Neighborhood" in answer.json()["errors"]["0"]


class TestV2:
    """V2 metadata declares the outputs that infer returns; tritonclient reads them."""

    def test_metadata_outputs_are_what_infer_returns(
        self, server: RunningServer, packaged: Packaged
    ) -> None:
        """Each declared output comes back from infer, as tritonclient reads it."""
        rows = packaged.held_out.dropna().head(8).reset_index(drop=True)
        client = httpclient.InferenceServerClient(url=f"127.0.0.1:{server.port}")
        try:
            metadata = client.get_model_metadata("band")
            inputs = []
            for field in FEATURES:
                column = rows[field]
                if field in STRINGS:
                    values = column.astype(str).to_numpy(dtype=np.object_)
                    tensor = httpclient.InferInput(field, [len(rows)], "BYTES")
                else:
                    values = column.to_numpy(dtype=np.float64)
                    tensor = httpclient.InferInput(field, [len(rows)], "FP64")
                tensor.set_data_from_numpy(values, binary_data=False)
                inputs.append(tensor)
            result = client.infer("band", inputs)
        finally:
            client.close()
        declared = {output["name"] for output in metadata["outputs"]}
        assert declared == {"predictions", "probabilities"}
        returned = {output["name"] for output in result.get_response()["outputs"]}
        assert returned == declared
        labels = result.as_numpy("predictions")
        assert [label.decode() for label in labels] == packaged.band_v2.predict(
            rows
        ).tolist()
        np.testing.assert_allclose(
            result.as_numpy("probabilities"),
            packaged.band_v2.predict_proba(rows),
            rtol=0,
            atol=1e-9,
        )


class TestBatch:
    """`roost predict` on a CSV of the same rows gives the same answers."""

    def test_predict_csv(self, packaged: Packaged, tmp_path: Path) -> None:
        """Labels and probabilities per row equal the estimator's."""
        rows = packaged.held_out
        rows.to_csv(tmp_path / "rows.csv", index=False)
        done = subprocess.run(
            roost_command(
                "predict", "band", "--input", str(tmp_path / "rows.csv"),
                "--output", str(tmp_path / "out.csv"), "--no-progress",
            ),
            env=roost_env(PYTHONPATH=packaged.site, ROOST_MODEL_DIR=tmp_path),
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        out = pd.read_csv(tmp_path / "out.csv").sort_values("row")
        assert len(out) == len(rows)
        assert out["prediction"].tolist() == packaged.band_v2.predict(rows).tolist()
        labels = packaged.band_v2.classes_.tolist()
        got = out[[f"probability_{label}" for label in labels]].to_numpy()
        np.testing.assert_allclose(
            got, packaged.band_v2.predict_proba(rows), rtol=0, atol=1e-9
        )


class TestDiff:
    """`roost diff` compares two installed packaged versions, output by output."""

    def _diff(self, packaged: Packaged, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            roost_command("diff", "band", *args),
            env=roost_env(
                PYTHONPATH=packaged.site, ROOST_MODEL_DIR=packaged.work / "models"
            ),
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )

    def test_versions_compared_by_agreement_and_probabilities(
        self, packaged: Packaged
    ) -> None:
        """1.1.0 against 1.0.0 on the packaged reference rows: per-output lines."""
        rows = packaged.held_out
        expected = float(
            (packaged.band_v1.predict(rows) == packaged.band_v2.predict(rows)).mean()
        )
        done = self._diff(packaged, "--baseline", "1.0.0", "--min-agreement", "0")
        assert "predictions (label)" in done.stdout, done.stderr
        assert "probabilities (probabilities)" in done.stdout
        assert "agreement" in done.stdout
        # Differently regularised, so some probabilities move beyond 5%.
        assert done.returncode == 1 or expected == 1.0

    def test_a_version_against_itself_passes(self, packaged: Packaged) -> None:
        """The same artifact on both sides: every output within its limits."""
        done = self._diff(packaged, "--baseline", "1.1.0")
        assert done.returncode == 0, done.stdout + done.stderr
        assert "PASS" in done.stdout


class TestReadme:
    """The README's walk-through runs as written."""

    def test_fit_and_package_as_written(self, tmp_path: Path) -> None:
        """Its Python block fits band.skops; its first command packages it."""
        section = README.read_text(encoding="utf-8").split(README_SECTION, 1)[1]
        section = section.split("\n## ", 1)[0]
        fit = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)[0]
        console = re.findall(r"```console\n(.*?)```", section, flags=re.DOTALL)[0]
        command = console.split("\n")[0] + " " + console.split("\n")[1]
        args = shlex.split(command.replace("\\", " "))
        assert args[:3] == ["$", "roost", "package"]
        shutil.copyfile(AMES, tmp_path / "houses.csv")
        subprocess.run(
            [sys.executable, "-c", fit], cwd=tmp_path, check=True, timeout=300
        )
        wheel = _package(tmp_path, *args[3:])
        assert wheel.name == "roost_model_band_v1_0_0-1.0.0-py3-none-any.whl"
