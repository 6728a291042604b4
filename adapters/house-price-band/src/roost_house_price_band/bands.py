"""Cut sale prices into the fixed cheap / mid / expensive bands."""

from __future__ import annotations

from typing import Any

import numpy as np

from roost_house_price_band import config

__all__ = ["band_of"]


def band_of(prices: Any) -> np.ndarray:
    """Return the band label of each sale price in dollars.

    A price equal to an edge belongs to the band above it.

    Raises:
        ValueError: a price is missing or not positive.
    """
    values = np.asarray(prices, dtype=np.float64)
    if not (np.isfinite(values) & (values > 0)).all():
        raise ValueError("sale prices must be positive numbers")
    index = np.searchsorted(np.asarray(config.BAND_EDGES), values, side="right")
    return np.asarray(config.BANDS, dtype=object)[index]
