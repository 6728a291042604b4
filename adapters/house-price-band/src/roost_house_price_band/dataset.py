"""Read the packaged Ames CSV files into DataFrames."""

from __future__ import annotations

from importlib import resources
from typing import Literal

import pandas as pd

__all__ = ["load_dataset"]

DataFile = Literal["train.csv", "test.csv"]


def load_dataset(file_name: DataFile) -> pd.DataFrame:
    """Read one of the packaged CSV files.

    The files write a missing value as `NA` and nothing else; any other text,
    `None` included, is a label.

    Args:
        file_name: "train.csv" (with SalePrice) or "test.csv" (without).

    Raises:
        ValueError: `file_name` names no packaged file.
    """
    if file_name not in ("train.csv", "test.csv"):
        raise ValueError(f"no packaged data file {file_name!r}")
    source = resources.files("roost_house_price_band").joinpath("data", file_name)
    with source.open("rb") as stream:
        return pd.read_csv(stream, keep_default_na=False, na_values=["NA"])
