"""How far a shadow version's outputs are from the ones that were served.

Numbers are compared by relative difference, labels by agreement. Other
outputs (probabilities, free values) are not compared: a classifier's label
output already says whether the two versions disagree.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from roost.core.contract.outputs import Output

__all__ = ["Comparison", "compare_outputs", "relative_difference"]


@dataclass(frozen=True)
class Comparison:
    """One output compared row by row.

    `differences` holds each row's relative difference for numbers (empty
    for labels); `disagreements` counts label rows that differ.
    """

    output: str
    rows: int
    differences: tuple[float, ...] = ()
    disagreements: int = 0


def relative_difference(served: float | None, shadow: float | None) -> float:
    """Return |shadow - served| / |served|: 0 when equal, inf when served is 0.

    A missing value (None or NaN) on one side only is infinitely far.
    """
    if served is None or shadow is None:
        return 0.0 if served is shadow else math.inf
    if shadow == served or (math.isnan(served) and math.isnan(shadow)):
        return 0.0
    if served == 0 or math.isnan(served) or math.isnan(shadow):
        return math.inf
    return abs(shadow - served) / abs(served)


def compare_outputs(
    declared: Sequence[Output],
    served: Mapping[str, Sequence[Any]],
    shadow: Mapping[str, Sequence[Any]],
) -> list[Comparison]:
    """Compare every number and label output both versions computed.

    Raises:
        ValueError: the two answers hold different numbers of rows.
    """
    comparisons = []
    for output in declared:
        if output.kind not in ("number", "label"):
            continue
        if output.name not in served or output.name not in shadow:
            continue
        ours, theirs = served[output.name], shadow[output.name]
        if len(ours) != len(theirs):
            raise ValueError(
                f"output {output.name!r}: the shadow answered {len(theirs)} "
                f"rows for {len(ours)}"
            )
        if output.kind == "number":
            differences = tuple(
                relative_difference(_number(a), _number(b))
                for a, b in zip(ours, theirs, strict=True)
            )
            comparisons.append(Comparison(output.name, len(ours), differences))
        else:
            disagreements = sum(a != b for a, b in zip(ours, theirs, strict=True))
            comparisons.append(Comparison(output.name, len(ours), (), disagreements))
    return comparisons


def _number(value: Any) -> float | None:
    return None if value is None else float(value)
