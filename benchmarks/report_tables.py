"""Markdown tables, number formats and the noise line of the benchmark reports.

Shared by `report.py` (the server comparison) and `packaged_results.py` (the
packaged-model run), so both reports read alike.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence

__all__ = ["ms", "noise_line", "num", "opening", "pct", "table"]


def num(value: float | None, digits: int = 0) -> str:
    """Format a number with thousands separators; `-` when missing or NaN."""
    if value is None or math.isnan(value):
        return "-"
    if math.isinf(value):
        return "inf"
    return f"{value:,.{digits}f}"


def ms(value: float | None) -> str:
    """Format milliseconds: three decimals under 1, two under 10, else one."""
    if value is None:
        return "-"
    return num(value, 3 if value < 1 else 2 if value < 10 else 1)


def pct(value: float | None) -> str:
    """Format a share as a whole percentage; `-` when missing."""
    return "-" if value is None else f"{100 * value:.0f}%"


def table(
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    text_columns: Collection[int] = (0,),
) -> list[str]:
    """Return the lines of a Markdown table; numeric columns align right.

    Args:
        header: the column titles.
        rows: the cells of each row, in column order; an empty cell stays empty.
        text_columns: positions of the left-aligned columns.
    """
    align = ["---" if i in text_columns else "---:" for i in range(len(header))]
    return [_line(header), _line(align, padded=False), *(_line(r) for r in rows)]


def _line(cells: Sequence[object], *, padded: bool = True) -> str:
    if not padded:
        return "|" + "|".join(str(cell) for cell in cells) + "|"
    return "|" + "|".join(f" {cell} " if cell != "" else " " for cell in cells) + "|"


def noise_line(shares: Sequence[float], quiet_share: float, warning: str) -> str:
    """Say how much of the CPU other processes took during the wrk runs.

    Args:
        shares: each run's share of the CPU used by other processes.
        quiet_share: the mean share above which the machine was not quiet.
        warning: what to add, after the figures, when it was not.
    """
    if not shares:
        return "- **machine noise**: not measured"
    mean, worst = sum(shares) / len(shares), max(shares)
    line = (
        f"- **machine noise**: other processes used {100 * mean:.0f}% of the CPU "
        f"on average during the wrk runs (worst run {100 * worst:.0f}%)"
    )
    if mean > quiet_share:
        line += f". {warning}"
    return line


def opening(
    title: str, facts: Mapping[str, str], noise: str, targets: Sequence[str]
) -> list[str]:
    """Return a report's first sections: its title, facts, then targets."""
    lines = [f"- **{key}**: {value}" for key, value in facts.items()]
    return [
        f"# {title}",
        "\n".join([*lines, noise]),
        "## Targets (ratios measured in this run)",
        "\n".join(targets),
    ]
