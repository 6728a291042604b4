"""Tests of roost_house_price_band.bands: the fixed price bands."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from roost_house_price_band import config
from roost_house_price_band.bands import band_of


class TestBandOf:
    """band_of cuts prices at the documented edges."""

    def test_edges_belong_to_the_band_above(self) -> None:
        """139,999 is cheap, 140,000 mid, 189,999 mid, 190,000 expensive."""
        prices = [34_900, 139_999, 140_000, 189_999, 190_000, 755_000]
        assert band_of(prices).tolist() == [
            "cheap",
            "cheap",
            "mid",
            "mid",
            "expensive",
            "expensive",
        ]

    def test_edges_are_fixed(self) -> None:
        """The edges are the documented round numbers, cheapest band first."""
        assert config.BANDS == ("cheap", "mid", "expensive")
        assert config.BAND_EDGES == (140_000, 190_000)

    @pytest.mark.parametrize("bad", [0.0, -1.0, np.nan])
    def test_bad_price_is_refused(self, bad: float) -> None:
        """A missing or non-positive price raises ValueError."""
        with pytest.raises(ValueError, match="positive"):
            band_of([150_000.0, bad])

    def test_train_csv_is_cut_in_near_thirds(self, train_data: pd.DataFrame) -> None:
        """The edges, rounded terciles of train.csv, give 489 / 475 / 496 houses."""
        bands, counts = np.unique(band_of(train_data["SalePrice"]), return_counts=True)
        assert dict(zip(bands.tolist(), counts.tolist(), strict=True)) == {
            "cheap": 489,
            "mid": 475,
            "expensive": 496,
        }
