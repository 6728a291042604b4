"""`roost predict` end to end: local and Dask engines against the online route."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from server_harness import RunningServer, roost_command, roost_env

from roost_house_prices.dataset import load_dataset

pytestmark = pytest.mark.integration

ROWS = 4_000
ONLINE_CHUNK = 2_000


def _sample() -> pd.DataFrame:
    """Resample train.csv, key each row, and break every 500th row."""
    source = load_dataset("train.csv").drop(columns=["Id", "SalePrice"])
    rng = np.random.default_rng(6)
    frame = source.iloc[rng.integers(0, len(source), ROWS)].reset_index(drop=True)
    frame.insert(0, "house", np.arange(ROWS, dtype=np.int64) * 7 + 100)
    broken = frame.index % 500 == 3
    frame.loc[broken, "MSZoning"] = "RX"
    frame.loc[frame.index % 500 == 4, "GrLivArea"] = 0
    return frame


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, Path]:
    """The sample and a folder of 4 Parquet files holding it (row groups of 500)."""
    frame = _sample()
    folder = tmp_path_factory.mktemp("batch-cli") / "houses"
    folder.mkdir()
    for index in range(4):
        part = frame.iloc[index * ROWS // 4 : (index + 1) * ROWS // 4]
        part.to_parquet(folder / f"houses-{index}.parquet", row_group_size=500)
    return frame, folder


@pytest.fixture(scope="module")
def online(
    sample: tuple[pd.DataFrame, Path], house_prices_server: RunningServer
) -> tuple[dict[int, float], dict[int, dict[str, list[str]]]]:
    """The running server's predictions and errors for the sample, by house key."""
    frame, _ = sample
    keys = frame["house"].tolist()
    records = _records(frame.drop(columns=["house"]))
    predictions: dict[int, float] = {}
    errors: dict[int, dict[str, list[str]]] = {}
    for start in range(0, len(records), ONLINE_CHUNK):
        answer = house_prices_server.post(
            "/v1/models/house-prices/predict?partial=true",
            json=records[start : start + ONLINE_CHUNK],
        )
        assert answer.status_code == 200, answer.text
        body = answer.json()
        for offset, value in enumerate(body["predictions"]):
            if value is not None:
                predictions[keys[start + offset]] = value
        for row, fields in (body["errors"] or {}).items():
            errors[keys[start + int(row)]] = fields
    return predictions, errors


def _predict(
    model_dir: Path, *args: str | Path, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        roost_command("predict", "house-prices", *map(str, args)),
        env=roost_env(ROOST_MODEL_DIR=model_dir, ROOST_PROFILE="testing"),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result


def _read(path: Path) -> pd.DataFrame:
    files = sorted(path.glob("part-*")) if path.is_dir() else [path]
    frames = [
        pd.read_parquet(f) if f.suffix == ".parquet" else pd.read_csv(f) for f in files
    ]
    return pd.concat(frames, ignore_index=True)


def _errors_by_key(errors: pd.DataFrame) -> dict[int, dict[str, list[str]]]:
    found: dict[int, dict[str, list[str]]] = {}
    for key, field, reason in errors.itertuples(index=False):
        found.setdefault(int(key), {}).setdefault(field, []).append(reason)
    return found


class TestPredictCommand:
    """Batch predictions equal the online route's, row for row."""

    def test_local_and_dask_match_each_other_and_the_online_route(
        self,
        sample: tuple[pd.DataFrame, Path],
        online: tuple[dict[int, float], dict[int, dict[str, list[str]]]],
        house_prices_model_dir: Path,
        tmp_path: Path,
    ) -> None:
        """Same ids, predictions (to 1e-12) and errors from both engines."""
        _, folder = sample
        common = ("--input", folder, "--id-column", "house", "--batch-size", "500")
        local = _predict(
            house_prices_model_dir, *common, "--output", tmp_path / "local.parquet"
        )
        dask = _predict(
            house_prices_model_dir,
            *common,
            "--output",
            tmp_path / "dask",
            "--engine",
            "dask",
            "--workers",
            "2",
        )
        for result in (local, dask):
            assert f"rows {ROWS:,}" in result.stdout
            assert "errors 16" in result.stdout and "rows/s" in result.stdout
            assert "100%" in result.stderr  # the progress bar reached the end

        by_local = _read(tmp_path / "local.parquet").sort_values("house")
        by_dask = _read(tmp_path / "dask").sort_values("house")
        # NOTE: threaded BLAS (local) and one-thread workers (Dask) may round the
        # model's sums differently in the last bit; rows and values must agree.
        pd.testing.assert_frame_equal(
            by_local.reset_index(drop=True),
            by_dask.reset_index(drop=True),
            check_exact=False,
            rtol=1e-12,
            atol=0,
        )
        expected, expected_errors = online
        assert by_local["house"].tolist() == sorted(expected)
        got = by_local["prediction"].to_numpy()
        want = np.array([expected[key] for key in by_local["house"]])
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)

        for errors in ("local.errors.parquet", "dask.errors"):
            assert _errors_by_key(_read(tmp_path / errors)) == expected_errors

    def test_csv_positions_join_back_to_the_input(
        self,
        sample: tuple[pd.DataFrame, Path],
        online: tuple[dict[int, float], dict[int, dict[str, list[str]]]],
        house_prices_model_dir: Path,
        tmp_path: Path,
    ) -> None:
        """Without an id column, CSV output rows carry their input positions."""
        frame, _ = sample
        source = tmp_path / "houses.csv"
        frame.to_csv(source, index=False)
        _predict(
            house_prices_model_dir,
            "--input",
            source,
            "--output",
            tmp_path / "out.csv",
            "--no-progress",
        )
        predictions = pd.read_csv(tmp_path / "out.csv")
        keys = frame["house"].to_numpy()[predictions["row"].to_numpy()]
        expected, expected_errors = online
        want = np.array([expected[key] for key in keys])
        np.testing.assert_allclose(predictions["prediction"], want, rtol=1e-12, atol=0)
        errors = pd.read_csv(tmp_path / "out.errors.csv")
        assert set(frame["house"].to_numpy()[errors["row"]]) == set(expected_errors)

    def test_bad_input_fails_with_a_reason(
        self, house_prices_model_dir: Path, tmp_path: Path
    ) -> None:
        """A missing input is a one-line error and exit status 1."""
        result = subprocess.run(
            roost_command(
                "predict",
                "house-prices",
                "--input",
                str(tmp_path / "missing"),
                "--output",
                str(tmp_path / "out.parquet"),
            ),
            env=roost_env(ROOST_MODEL_DIR=house_prices_model_dir),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 1
        assert "does not exist" in result.stderr
