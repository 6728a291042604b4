"""Population stability index: how far live shares moved from the reference.

PSI = sum over bins of (live% - ref%) * ln(live% / ref%), with shares as
fractions of 1. A bin empty on either side would divide by zero or take the
log of zero, so every share is raised to at least `EPSILON` (0.0001) first.

The usual reading: below 0.1 stable, 0.1 to 0.25 a moderate shift, above
0.25 a significant shift.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["EPSILON", "MODERATE", "SIGNIFICANT", "psi", "reading"]

#: The smallest share a bin counts with, so empty bins stay finite.
EPSILON = 1e-4
#: PSI from which a shift is moderate ...
MODERATE = 0.1
#: ... and from which it is significant.
SIGNIFICANT = 0.25

Counts = Sequence[float] | np.ndarray


def _shares(counts: Counts) -> np.ndarray:
    values = np.asarray(counts, dtype=float)
    total = values.sum()
    if total <= 0:
        raise ValueError("cannot take shares of no rows")
    shares: np.ndarray = np.maximum(values / total, EPSILON)
    return shares


def psi(reference: Counts, live: Counts) -> float:
    """Return the PSI of `live` bin counts against `reference` bin counts.

    Raises:
        ValueError: either side counts no rows, or the bins differ in number.
    """
    if len(reference) != len(live):
        raise ValueError(f"{len(reference)} reference bins but {len(live)} live bins")
    expected, actual = _shares(reference), _shares(live)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def reading(value: float) -> str:
    """Read a PSI the usual way: "stable", "moderate" or "shift"."""
    if value < MODERATE:
        return "stable"
    if value <= SIGNIFICANT:
        return "moderate"
    return "shift"
