"""The house-prices sample batch-scoring tests score, and how they check it.

Shared by the unit tests of the local engine and the integration tests of
the Dask engine, so both hold the engines to the same online answers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import falcon.testing
import pandas as pd
import pytest

from roost.core.batch.job import BatchJob
from roost.core.batch.outputs import OutputLayout
from roost.core.contract.registry import Registry
from roost.core.runtime.settings import Settings
from roost_house_prices.dataset import load_dataset

#: Row positions made invalid in the house-prices sample, and the field at fault.
BROKEN = {3: "MSZoning", 5: "GrLivArea", 700: "OverallQual", 1000: "MSSubClass"}


def batch_job(
    model_dir: Path,
    name: str = "house-prices",
    namespace: str = "roost.adapters",
    version: str | None = None,
) -> BatchJob:
    """Return a batch job for an installed adapter, 128 rows per batch."""
    settings = Settings.for_profile(
        "testing", model_dir=model_dir, adapter_namespace=namespace
    )
    entry = Registry.from_settings(settings).lookup(name, version)
    assert entry.adapter_class is not None and entry.context is not None
    return BatchJob(entry.adapter_class, entry.context, batch_size=128)


def broken_sample() -> pd.DataFrame:
    """Return train.csv with a few rows broken in ways validation refuses."""
    frame = load_dataset("train.csv")
    frame.loc[3, "MSZoning"] = "RX"
    frame.loc[5, "GrLivArea"] = -3
    frame.loc[700, "OverallQual"] = 11
    frame.loc[1000, "MSSubClass"] = None
    return frame


def json_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Return rows as a JSON client would send them (NaN as null)."""
    return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")


def write_inputs(root: Path) -> dict[str, Path]:
    """Write the sample as Parquet (3 files, small row groups) and as CSV."""
    frame = broken_sample()
    parquet, text = root / "parquet", root / "csv"
    parquet.mkdir()
    (text / "nested").mkdir(parents=True)
    for index, (start, stop) in enumerate(((0, 500), (500, 1100), (1100, 1460))):
        part = frame.iloc[start:stop]
        part.to_parquet(parquet / f"part-{index}.parquet", row_group_size=150)
        part.to_csv(text / "nested" / f"part-{index}.csv", index=False)
    (parquet / "_SUCCESS").write_text("")
    frame.iloc[:10].to_parquet(parquet / ".hidden.parquet")
    return {"parquet": parquet, "csv": text}


def online_predictions(client: falcon.testing.TestClient) -> list[Any]:
    """Return the online route's predictions for the sample, null for invalid rows."""
    records = json_records(broken_sample())
    result = client.simulate_post(
        "/v1/models/house-prices/predict", params={"partial": "true"}, json=records
    )
    assert result.status_code == 200, result.text
    assert {int(row) for row in result.json["errors"]} == set(BROKEN)
    return list(result.json["predictions"])


def read_output(path: Path) -> pd.DataFrame:
    """Read one output file, or a folder of part files, as one frame."""
    if path.is_dir():
        files = sorted(path.glob("part-*"))
        frames = [
            pd.read_csv(f) if f.suffix == ".csv" else pd.read_parquet(f) for f in files
        ]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return pd.read_csv(path) if path.suffix == ".csv" else pd.read_parquet(path)


def check_output(
    layout: OutputLayout, expected: list[Any], id_column: str = "row"
) -> pd.DataFrame:
    """Assert predictions match the online route row for row; return the errors."""
    first = 1 if id_column == "Id" else 0  # train.csv numbers its rows from 1
    predictions = read_output(layout.predictions)
    rows = predictions[id_column].astype(int) - first
    online = {row: value for row, value in enumerate(expected) if value is not None}
    assert sorted(rows) == sorted(online)
    for row, value in zip(rows, predictions["prediction"], strict=True):
        # NOTE: BLAS sums may differ in the last bit with the batch's make-up.
        assert value == pytest.approx(online[row], rel=1e-12, abs=0)
    errors = read_output(layout.errors)
    failed = errors[id_column].astype(int) - first
    assert dict(zip(failed, errors["field"], strict=True)) == BROKEN
    return errors
