"""How one declared output moved between two artifacts' predictions, per row.

Numbers move by their relative difference (as `math.isclose` measures it:
the difference over the larger of the two magnitudes), labels agree or
not, and 2-D outputs (probabilities) move by their largest absolute
difference. `roost diff` compares every declared output this way.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from roost.core.contract.outputs import Output

__all__ = ["OutputDiff", "compare_output", "difference"]


@dataclass(frozen=True)
class OutputDiff:
    """How one declared output moved between the two artifacts, per row.

    `values` holds, per compared row: the relative difference for numbers,
    1.0 where labels (or other values) disagree and 0.0 where they agree,
    and the largest absolute difference for 2-D outputs (probabilities).
    """

    output: Output
    values: np.ndarray

    @property
    def measure(self) -> str:
        """What `values` measures, in words."""
        if self.output.width is not None:
            return "absolute difference"
        if self.output.kind == "number":
            return "relative difference"
        return "disagreement"

    @property
    def agreement(self) -> float:
        """The share of rows whose values are equal (1.0 with none compared)."""
        if not len(self.values):
            return 1.0
        return float(np.count_nonzero(self.values == 0.0)) / len(self.values)

    def beyond(self, tolerance: float) -> int:
        """Count the rows beyond `tolerance` (labels: the rows that disagree)."""
        if self.measure == "disagreement":
            return int(np.count_nonzero(self.values))
        return int(np.count_nonzero(self.values > tolerance))

    def passed(self, tolerance: float, min_agreement: float) -> bool:
        """Numbers and 2-D outputs within tolerance; labels agreeing enough."""
        if self.measure == "disagreement":
            return self.agreement >= min_agreement
        return self.beyond(tolerance) == 0

    def render(self, tolerance: float, min_agreement: float) -> str:
        """One line: the output, its measure and its verdict."""
        title = f"{self.output.name} ({self.output.kind})"
        compared = len(self.values)
        verdict = "ok" if self.passed(tolerance, min_agreement) else "FAIL"
        if self.measure == "disagreement":
            return (
                f"{title:<28} agreement {self.agreement:.2%} "
                f"(min {min_agreement:.2%}), {self.beyond(tolerance):,} of "
                f"{compared:,} rows disagree  {verdict}"
            )
        worst = float(self.values.max()) if compared else 0.0
        mean = float(self.values.mean()) if compared else 0.0
        if self.measure == "relative difference":
            figures, limit = f"max {worst:.4%}  mean {mean:.4%}", f"{tolerance:.2%}"
        else:
            figures, limit = f"max {worst:.4g}  mean {mean:.4g}", f"{tolerance:g}"
        return (
            f"{title:<28} {self.measure} {figures}, "
            f"{self.beyond(tolerance):,} rows beyond {limit}  {verdict}"
        )


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def difference(candidate: Any, baseline: Any) -> float:
    """Return the relative difference of two numbers (inf: incomparable)."""
    if _is_number(candidate) and _is_number(baseline):
        a, b = float(candidate), float(baseline)
        if a == b:
            return 0.0
        finite = math.isfinite(a) and math.isfinite(b)
        return abs(a - b) / max(abs(a), abs(b)) if finite else math.inf
    return 0.0 if candidate == baseline else math.inf


def _absolute_difference(candidate: Any, baseline: Any) -> float:
    """The largest absolute difference of two rows of a 2-D output."""
    if not isinstance(candidate, list) or not isinstance(baseline, list):
        return 0.0 if candidate == baseline else math.inf
    if len(candidate) != len(baseline):
        return math.inf
    worst = 0.0
    for a, b in zip(candidate, baseline, strict=True):
        if not (_is_number(a) and _is_number(b)):
            return math.inf
        worst = max(worst, abs(float(a) - float(b)))
    return worst


def compare_output(
    output: Output, candidate: Sequence[Any], baseline: Sequence[Any]
) -> OutputDiff:
    """Measure one output's movement, row by row, as its kind calls for."""
    pairs = zip(candidate, baseline, strict=True)
    if output.width is not None:
        values = [_absolute_difference(a, b) for a, b in pairs]
    elif output.kind == "number":
        values = [difference(a, b) for a, b in pairs]
    else:
        values = [0.0 if a == b else 1.0 for a, b in pairs]
    return OutputDiff(output, np.array(values, dtype=np.float64))
