"""The batch benchmark's targets, and the ceiling start-up puts on Dask's.

`roost predict` prints its own summary once the job is done, timed from its
first piece; the rest of the command's wall time is start-up (imports, the
adapter's load). Start-up runs once per command whatever the engine, so on
a machine of `workers` cores Dask's time can fall at best to its own
start-up plus local's scoring time split evenly, with nothing for the
cluster or the hand-over. `dask_ceiling` is local's time over that: the
most any Dask speed-up can reach with these start-up times.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["DASK_SPEEDUP", "LOCAL_ROWS_PER_SECOND", "Timing", "target_lines"]

#: The issue's targets: local rows/s, and Dask's over local's on 2 workers.
LOCAL_ROWS_PER_SECOND = 250_000
DASK_SPEEDUP = 1.6
#: The rate at the end of `roost predict`'s summary line.
_SUMMARY_RATE = re.compile(r"([\d,]+) rows/s\s*$")


@dataclass(frozen=True)
class Timing:
    """One `roost predict` command: its wall time and its own scoring time."""

    seconds: float
    scoring_seconds: float

    @classmethod
    def of(cls, seconds: float, summary: str, rows: int) -> Timing:
        """Read the scoring time from the summary's rows/s (more digits than its s).

        Raises:
            ValueError: the summary names no rate.
        """
        found = _SUMMARY_RATE.search(summary)
        if found is None:
            raise ValueError(f"no rows/s at the end of the summary {summary!r}")
        rate = float(found.group(1).replace(",", ""))
        return cls(seconds, rows / rate if rate else seconds)

    @property
    def startup(self) -> float:
        """Seconds before the first piece: imports, the adapter's load."""
        return max(0.0, self.seconds - self.scoring_seconds)


def dask_ceiling(local: Timing, dask: Timing, workers: int) -> float:
    """The most Dask's speed-up can be: its start-up plus local's scoring split."""
    return local.seconds / (dask.startup + local.scoring_seconds / workers)


def target_lines(rows: int, local: Timing, dask: Timing, workers: int) -> list[str]:
    """Render the targets as a Markdown table, with the ceiling beside them."""
    local_rate = rows / local.seconds
    speedup = local.seconds / dask.seconds
    ceiling = dask_ceiling(local, dask, workers)
    return [
        "| target | measured | goal | result |",
        "|---|---:|---:|---|",
        f"| local rows/s | {local_rate:,.0f} | >= {LOCAL_ROWS_PER_SECOND:,} | "
        f"{'PASS' if local_rate >= LOCAL_ROWS_PER_SECOND else 'FAIL'} |",
        f"| Dask ({workers} workers) / local | {speedup:.2f}x | >= {DASK_SPEEDUP}x | "
        f"{'PASS' if speedup >= DASK_SPEEDUP else 'FAIL'} |",
        f"| start-up, local / Dask (s) | {local.startup:.2f} / {dask.startup:.2f} | "
        "reported | INFO |",
        f"| Dask / local ceiling: local's time over Dask's start-up + local's "
        f"scoring / {workers} | {ceiling:.2f}x | reported | INFO |",
    ]
