"""Read what micro-batching did from roost's `/metrics` text.

`roost_batch_rows` is a Prometheus histogram of the rows in each call of an
adapter's `predict`: a call of more than one row merged several requests.
"""

from __future__ import annotations

import re
import urllib.request
from dataclasses import dataclass

__all__ = ["BatchRows", "batch_rows", "read_metrics"]

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

    def __add__(self, other: BatchRows) -> BatchRows:
        """Return the calls of both (one server's rounds add up)."""
        return BatchRows(
            self.calls + other.calls,
            self.rows + other.rows,
            self.merged_calls + other.merged_calls,
        )

    def __sub__(self, earlier: BatchRows) -> BatchRows:
        """Return the calls made since `earlier` (the histogram only grows)."""
        return BatchRows(
            self.calls - earlier.calls,
            self.rows - earlier.rows,
            self.merged_calls - earlier.merged_calls,
        )


def read_metrics(base_url: str) -> str:
    """Return the `/metrics` text of the roost server at `base_url`."""
    with urllib.request.urlopen(base_url + "/metrics", timeout=30) as answer:  # noqa: S310 - loopback URL built by the driver
        return str(answer.read().decode())


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
