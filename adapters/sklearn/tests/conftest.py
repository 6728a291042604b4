"""Fixtures: small models fitted on Ames rows, and one packaged classifier."""

from __future__ import annotations

import operator
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import joblib
import pandas as pd
import pytest
import skops.io
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn_models import (
    FEATURES,
    FITTED_ROWS,
    NUMBERS,
    STRINGS,
    band_pipeline,
    price_pipeline,
    read_ames,
    unpacked,
)

from roost_sklearn.packaging import PackageRequest, package_model


@pytest.fixture(scope="session")
def ames() -> pd.DataFrame:
    return read_ames()


@pytest.fixture(scope="session")
def fitted(ames: pd.DataFrame) -> pd.DataFrame:
    return ames.iloc[:FITTED_ROWS]


@pytest.fixture(scope="session")
def held_out(ames: pd.DataFrame, fitted: pd.DataFrame) -> pd.DataFrame:
    """Rows not fitted on, whose categories the fitted rows all have."""
    rows = ames.iloc[FITTED_ROWS:]
    for column in STRINGS:
        seen = set(fitted[column].dropna())
        rows = rows[rows[column].isna() | rows[column].isin(seen)]
    return rows.reset_index(drop=True)


@pytest.fixture(scope="session")
def band_model(fitted: pd.DataFrame) -> Pipeline:
    return band_pipeline(fitted)


@pytest.fixture(scope="session")
def band_files(
    tmp_path_factory: pytest.TempPathFactory, fitted: pd.DataFrame, band_model: Pipeline
) -> tuple[Path, Path]:
    """The classifier saved with skops, and its data with the target column."""
    folder = tmp_path_factory.mktemp("band")
    skops.io.dump(band_model, folder / "band.skops")
    data = fitted[[*FEATURES, "SalePrice"]]
    data.to_csv(folder / "houses.csv", index=False)
    return folder / "band.skops", folder / "houses.csv"


@pytest.fixture(scope="session")
def untrusted_files(
    tmp_path_factory: pytest.TempPathFactory, fitted: pd.DataFrame
) -> tuple[Path, Path]:
    """A regressor holding a type skops does not trust (`_operator.neg`)."""
    folder = tmp_path_factory.mktemp("untrusted")
    data = fitted[[*NUMBERS, "SalePrice"]].dropna()
    model = make_pipeline(FunctionTransformer(operator.neg), LinearRegression())
    model.fit(data[NUMBERS], data["SalePrice"])
    skops.io.dump(model, folder / "negated.skops")
    data.to_csv(folder / "houses.csv", index=False)
    return folder / "negated.skops", folder / "houses.csv"


@pytest.fixture(scope="session")
def band_adapter_class(
    tmp_path_factory: pytest.TempPathFactory, band_files: tuple[Path, Path]
) -> Iterator[type[Any]]:
    """The packaged classifier's adapter class, imported from its unpacked wheel."""
    model, data = band_files
    wheel = package_model(
        PackageRequest(
            model=model,
            data=data,
            name="band",
            version="1.0.0",
            target="SalePrice",
            output=tmp_path_factory.mktemp("band-wheel"),
        )
    )
    with unpacked(wheel, "roost_model_band_v1_0_0") as adapter_class:
        yield adapter_class


@pytest.fixture(scope="session")
def price_model(fitted: pd.DataFrame) -> Pipeline:
    return price_pipeline(fitted)


@pytest.fixture(scope="session")
def price_adapter_class(
    tmp_path_factory: pytest.TempPathFactory,
    fitted: pd.DataFrame,
    price_model: Pipeline,
) -> Iterator[type[Any]]:
    """The packaged regressor (saved with joblib), imported from its wheel."""
    folder = tmp_path_factory.mktemp("price")
    joblib.dump(price_model, folder / "price.joblib")
    fitted[[*FEATURES, "SalePrice"]].to_parquet(folder / "houses.parquet")
    wheel = package_model(
        PackageRequest(
            model=folder / "price.joblib",
            data=folder / "houses.parquet",
            name="price",
            version="2.0",
            target="SalePrice",
            output=folder / "dist",
        )
    )
    with unpacked(wheel, "roost_model_price_v2_0") as adapter_class:
        yield adapter_class
