"""Read the packaged Ames house-prices CSV files into DataFrames."""

from __future__ import annotations

from importlib import resources
from typing import Final, Literal

import pandas as pd

__all__ = ["NA_VALUES", "load_dataset"]

#: pandas' pre-2.0 default NA strings, without "None": in this data "None" is a
#: real MasVnrType category (no masonry veneer), not a missing value.
NA_VALUES: Final[tuple[str, ...]] = (
    "",
    "#N/A",
    "#N/A N/A",
    "#NA",
    "-1.#IND",
    "-1.#QNAN",
    "-NaN",
    "-nan",
    "1.#IND",
    "1.#QNAN",
    "<NA>",
    "N/A",
    "NA",
    "NULL",
    "NaN",
    "n/a",
    "nan",
    "null",
)

DataFile = Literal["train.csv", "test.csv"]


def load_dataset(file_name: DataFile) -> pd.DataFrame:
    """Read one of the packaged CSV files.

    Args:
        file_name: "train.csv" (with SalePrice) or "test.csv" (without).

    Returns:
        The file's rows, missing values as NaN and "None" kept as a label.

    Raises:
        ValueError: `file_name` names no packaged file.
    """
    if file_name not in ("train.csv", "test.csv"):
        raise ValueError(f"no packaged data file {file_name!r}")
    source = resources.files("roost_house_prices").joinpath("data", file_name)
    with source.open("rb") as stream:
        return pd.read_csv(stream, keep_default_na=False, na_values=list(NA_VALUES))
