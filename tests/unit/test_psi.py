"""The population stability index and its usual reading."""

from __future__ import annotations

import math

import pytest

from roost.core.monitoring.psi import EPSILON, psi, reading


class TestPsi:
    """PSI = sum of (live% - ref%) * ln(live% / ref%)."""

    def test_a_hand_computed_case(self) -> None:
        """Shares 50/30/20 against 30/30/40, worked out by hand."""
        first = (0.3 - 0.5) * math.log(0.3 / 0.5)
        third = (0.4 - 0.2) * math.log(0.4 / 0.2)
        expected = first + third  # the middle bin did not move: 0
        assert psi([50, 30, 20], [3, 3, 4]) == pytest.approx(expected)
        assert expected == pytest.approx(0.2408, abs=1e-4)

    def test_the_same_shares_have_no_drift(self) -> None:
        """Counts in the same proportions give exactly zero."""
        assert psi([10, 20, 30], [1, 2, 3]) == 0.0

    def test_an_empty_bin_counts_with_epsilon(self) -> None:
        """Bins empty on one side count as EPSILON: the PSI stays finite."""
        value = psi([5, 5, 0], [0, 5, 5])
        assert math.isfinite(value)
        assert value == pytest.approx(
            (EPSILON - 0.5) * math.log(EPSILON / 0.5)
            + (0.5 - EPSILON) * math.log(0.5 / EPSILON)
        )

    def test_no_rows_or_mismatched_bins_are_refused(self) -> None:
        """Shares of nothing, or of different bins, are an error."""
        with pytest.raises(ValueError, match="no rows"):
            psi([1, 2], [0, 0])
        with pytest.raises(ValueError, match="bins"):
            psi([1, 2], [1, 2, 3])


class TestReading:
    """Below 0.1 stable, up to 0.25 moderate, beyond a shift."""

    @pytest.mark.parametrize(
        ("value", "expected"),
        [(0.0, "stable"), (0.099, "stable"), (0.1, "moderate"), (0.25, "moderate")],
    )
    def test_thresholds(self, value: float, expected: str) -> None:
        """The usual thresholds."""
        assert reading(value) == expected

    def test_a_shift(self) -> None:
        """Above 0.25 reads as a shift."""
        assert reading(0.26) == "shift"
