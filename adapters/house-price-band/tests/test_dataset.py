"""Tests of roost_house_price_band.dataset: reading the packaged CSV files."""

from __future__ import annotations

import hashlib
from importlib import resources

import pandas as pd
import pytest

from roost_house_price_band import config
from roost_house_price_band.dataset import load_dataset

PACKAGED_SHA256 = {
    "train.csv": "1e18addf81e5e4d347cc17ee6075bbe4a42b7fa26b9e5b063e8f692a5f929d41",
    "test.csv": "8fdd3d829d4d986b58f845c9553b225e67dd8383624d90fb6ca1d4bed5798c1e",
}


class TestPackagedFiles:
    """The CSV files shipped inside the package."""

    @pytest.mark.parametrize("file_name", sorted(PACKAGED_SHA256))
    def test_bytes_match_the_source(self, file_name: str) -> None:
        """Each packaged CSV is byte-identical to the documented source file."""
        data = (
            resources.files("roost_house_price_band")
            .joinpath("data", file_name)
            .read_bytes()
        )
        assert hashlib.sha256(data).hexdigest() == PACKAGED_SHA256[file_name]


class TestLoadDataset:
    """load_dataset reads NA as missing and keeps every input column."""

    def test_train_shape(self, train_data: pd.DataFrame) -> None:
        """train.csv has 1460 rows of Id, 79 features and SalePrice."""
        assert train_data.shape == (1460, 81)
        assert set(config.FEATURES) <= set(train_data.columns)

    def test_test_shape(self, test_data: pd.DataFrame) -> None:
        """test.csv has 1459 rows, without SalePrice."""
        assert test_data.shape == (1459, 80)
        assert "SalePrice" not in test_data.columns

    def test_na_is_missing(self, train_data: pd.DataFrame) -> None:
        """NA is read as missing: 81 houses without a garage, 259 lot frontages."""
        assert train_data["GarageFinish"].isna().sum() == 81
        assert train_data["LotFrontage"].isna().sum() == 259

    def test_none_is_a_label(self, train_data: pd.DataFrame) -> None:
        """The text None stays a label (no masonry veneer), not a missing value."""
        assert (train_data["MasVnrType"] == "None").sum() == 864

    def test_unknown_file_is_refused(self) -> None:
        """A name other than train.csv or test.csv raises ValueError."""
        with pytest.raises(ValueError, match="no packaged data file"):
            load_dataset("other.csv")  # type: ignore[arg-type]
