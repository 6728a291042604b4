"""Fit the packaged-model benchmark's pipeline and write its request bodies.

Run by `benchmarks/packaged.py` with roost's own interpreter (it needs
scikit-learn, skops and the house-prices adapter's packaged data):

    python benchmarks/packaged_workload.py --out DIR --sizes 1,100,1000

Fits a ColumnTransformer (one-hot strings, imputed scaled numbers)
and a LogisticRegression on the Ames rows of house-prices' train.csv, to
predict a price band. Saves the one fitted pipeline twice: `model.skops`
(what `roost package` reads) and `model.joblib` (what MLServer's scikit-learn
runtime loads), and the columns it was fitted on as `data.csv` (the sample
`roost package` infers the input schema from). Held out: the houses of
test.csv with every input present and only categories seen in fitting. For
every size N it writes `exact-N.json` (records of the model's inputs),
`whole-N.json` (the same houses as whole test.csv rows, every column) and
`v2-N.json` (an Open Inference request with the pandas content type), and
prints one JSON object with the labels the pipeline itself predicts.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
import skops.io
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from roost_house_prices.dataset import load_dataset

STRINGS = ["MSZoning", "Neighborhood", "BldgType", "HouseStyle", "KitchenQual"]
NUMBERS = ["LotFrontage", "LotArea", "OverallQual", "YearBuilt", "GrLivArea"]
FEATURES = STRINGS + NUMBERS
#: Sale-price edges of the bands the classifier predicts.
BAND_EDGES = [0, 130_000, 200_000, math.inf]
BAND_LABELS = ["cheap", "mid", "dear"]


def fit_pipeline(houses: pd.DataFrame) -> Pipeline:
    """Fit the band classifier on `houses` (Ames rows with SalePrice)."""
    # NOTE: no imputer for strings: skl2onnx converts a SimpleImputer of
    # strings only when its missing value is a string; the fitted rows name
    # missing categories instead (see `named_missing`).
    strings = OneHotEncoder(handle_unknown="ignore")
    numbers = make_pipeline(SimpleImputer(), StandardScaler())
    columns = ColumnTransformer(
        [("strings", strings, STRINGS), ("numbers", numbers, NUMBERS)]
    )
    band = pd.cut(houses["SalePrice"], BAND_EDGES, labels=BAND_LABELS).astype(str)
    model = make_pipeline(columns, LogisticRegression(max_iter=2000))
    return model.fit(houses[FEATURES], band)


def named_missing(houses: pd.DataFrame) -> pd.DataFrame:
    """Return `houses` with each missing text input as the category "missing"."""
    named = {column: houses[column].fillna("missing") for column in STRINGS}
    return houses.assign(**named)


def held_out(test: pd.DataFrame, fitted: pd.DataFrame) -> pd.DataFrame:
    """Return the test rows with every input present and seen categories only."""
    rows = test.dropna(subset=FEATURES)
    for column in STRINGS:
        rows = rows[rows[column].isin(set(fitted[column].dropna()))]
    return rows.reset_index(drop=True)


def json_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Return the rows as JSON-ready records: numpy scalars as Python, NaN as null."""
    objects = frame.astype(object).where(frame.notna(), None)
    return [
        {key: value.item() if isinstance(value, np.generic) else value
         for key, value in record.items()}
        for record in objects.to_dict(orient="records")
    ]  # fmt: skip


def v2_request(frame: pd.DataFrame) -> dict[str, Any]:
    """Return the V2 inference request for `frame`'s inputs, one per column."""
    inputs = [
        {
            "name": column,
            "shape": [len(frame), 1],
            "datatype": "BYTES" if column in STRINGS else "FP64",
            "data": [
                str(value) if column in STRINGS else float(value)
                for value in frame[column]
            ],
        }
        for column in FEATURES
    ]
    return {"parameters": {"content_type": "pd"}, "inputs": inputs}


def write_bodies(rows: pd.DataFrame, sizes: Sequence[int], out: Path) -> None:
    """Write the exact, whole-row and V2 bodies of the first N rows for each N."""
    exact = rows[FEATURES].astype(dict.fromkeys(NUMBERS, float))
    for size in sizes:
        (out / f"exact-{size}.json").write_text(
            json.dumps(json_records(exact.iloc[:size]))
        )
        (out / f"whole-{size}.json").write_text(
            json.dumps(json_records(rows.iloc[:size]))
        )
        (out / f"v2-{size}.json").write_text(json.dumps(v2_request(rows.iloc[:size])))


def main(argv: Sequence[str] | None = None) -> int:
    """Fit, save, write the bodies; print the reference labels as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--sizes", default="1,100,1000")
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",")]
    train = named_missing(load_dataset("train.csv"))
    rows = held_out(load_dataset("test.csv"), train)
    if max(sizes) > len(rows):
        parser.error(f"only {len(rows)} held-out houses in test.csv")
    args.out.mkdir(parents=True, exist_ok=True)
    model = fit_pipeline(train)
    skops.io.dump(model, args.out / "model.skops")
    joblib.dump(model, args.out / "model.joblib")
    train[FEATURES].to_csv(args.out / "data.csv", index=False)
    write_bodies(rows, sizes, args.out)
    labels = model.predict(rows[FEATURES].iloc[: max(sizes)])
    summary = {
        "fitted_rows": len(train),
        "held_out_rows": len(rows),
        "columns": len(rows.columns),
        "classes": [str(label) for label in model.classes_],
        "reference_labels": [str(label) for label in labels],
    }
    json.dump(summary, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
