"""Read what micro-batching did from roost's `/metrics` text.

`roost_batch_rows` is a Prometheus histogram of the rows in each call of an
adapter's `predict`: a call of more than one row merged several requests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["BatchRows", "batch_rows"]

_SAMPLE = re.compile(
    r"^roost_batch_rows_(?P<kind>bucket|count|sum)\{(?P<labels>[^}]*)\}\s+(?P<value>\S+)$"
)
_LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


@dataclass(frozen=True)
class BatchRows:
    """One model's adapter calls: how many, how many rows, how many merged."""

    calls: int
    rows: int
    #: Calls of more than one row.
    merged_calls: int

    @property
    def mean_rows(self) -> float:
        """Return the mean rows per call (0 when there was no call)."""
        return self.rows / self.calls if self.calls else 0.0


def batch_rows(text: str, model: str) -> BatchRows:
    """Sum `roost_batch_rows` over the versions of `model` in a `/metrics` text."""
    calls = rows = single = 0.0
    for line in text.splitlines():
        match = _SAMPLE.match(line.strip())
        if match is None:
            continue
        labels = dict(_LABEL.findall(match["labels"]))
        if labels.get("model") != model:
            continue
        value = float(match["value"])
        if match["kind"] == "count":
            calls += value
        elif match["kind"] == "sum":
            rows += value
        elif float(labels.get("le", "nan")) == 1.0:
            single += value
    return BatchRows(int(calls), int(rows), int(calls - single))
