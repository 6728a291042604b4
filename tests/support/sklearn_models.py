"""Test support: small scikit-learn models fitted on Ames rows; packaged wheels.

`AMES` is the first 400 rows, 8 columns, of the house-prices adapter's
packaged train.csv (its data/README.md gives the source); string columns
have missing values, as do numbers.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

AMES = Path(__file__).resolve().parents[2] / "adapters/sklearn/tests/data/ames.csv"
STRINGS = ["MSZoning", "Neighborhood", "BsmtQual", "GarageFinish"]
NUMBERS = ["LotFrontage", "GrLivArea", "OverallQual"]
FEATURES = STRINGS + NUMBERS
TARGET = "SalePrice"
#: Rows the models are fitted on; the rest are held out.
FITTED_ROWS = 300


def read_ames() -> pd.DataFrame:
    """Read the Ames rows as a user would: pandas' defaults."""
    return pd.read_csv(AMES)


def price_band(prices: pd.Series[Any]) -> pd.Series[Any]:
    """Cheap, mid or dear: the class the classifiers predict."""
    edges = [0, 130_000, 200_000, np.inf]
    return pd.cut(prices, edges, labels=["cheap", "mid", "dear"]).astype(str)


def _columns() -> ColumnTransformer:
    strings = make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder())
    numbers = make_pipeline(SimpleImputer(), StandardScaler())
    return ColumnTransformer(
        [("strings", strings, STRINGS), ("numbers", numbers, NUMBERS)]
    )


def band_pipeline(frame: pd.DataFrame, **options: Any) -> Pipeline:
    """Fit the classifier: imputed one-hot strings, imputed scaled numbers."""
    model = make_pipeline(_columns(), LogisticRegression(max_iter=1000, **options))
    return model.fit(frame[FEATURES], price_band(frame[TARGET]))


def price_pipeline(frame: pd.DataFrame) -> Pipeline:
    """Fit the regressor on the same columns: the sale price itself."""
    return make_pipeline(_columns(), Ridge()).fit(frame[FEATURES], frame[TARGET])


#: String columns without missing values: what the ONNX engine's pipelines
#: encode (skl2onnx converts no SimpleImputer of NaN strings).
COMPLETE_STRINGS = ["MSZoning", "Neighborhood"]
ONNX_FEATURES = COMPLETE_STRINGS + NUMBERS


def _onnx_columns() -> ColumnTransformer:
    numbers = make_pipeline(SimpleImputer(), StandardScaler())
    return ColumnTransformer(
        [
            ("strings", OneHotEncoder(handle_unknown="ignore"), COMPLETE_STRINGS),
            ("numbers", numbers, NUMBERS),
        ]
    )


def onnx_band_pipeline(frame: pd.DataFrame) -> Pipeline:
    """A classifier skl2onnx converts: one-hot strings, imputed scaled numbers."""
    model = make_pipeline(_onnx_columns(), LogisticRegression(max_iter=1000))
    return model.fit(frame[ONNX_FEATURES], price_band(frame[TARGET]))


def onnx_price_pipeline(frame: pd.DataFrame) -> Pipeline:
    """A regressor skl2onnx converts, on the same columns."""
    model = make_pipeline(_onnx_columns(), Ridge())
    return model.fit(frame[ONNX_FEATURES], frame[TARGET])


@contextlib.contextmanager
def unpacked(wheel: Path, package: str) -> Iterator[type[Any]]:
    """Import the adapter class of a packaged model's wheel, unpacked beside it."""
    site = wheel.parent / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    # Another wheel of the same name and version may be imported already (a
    # session fixture): set it aside, so this wheel's own module is imported.
    earlier = sys.modules.pop(package, None)
    sys.path.insert(0, str(site))
    importlib.invalidate_caches()
    try:
        yield importlib.import_module(package).Adapter
    finally:
        sys.path.remove(str(site))
        sys.modules.pop(package, None)
        if earlier is not None:
            sys.modules[package] = earlier
