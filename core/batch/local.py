"""Run a batch-scoring job in this process, with a progress bar and a summary."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from roost.core.batch.inputs import Piece
from roost.core.batch.job import (
    BatchJob,
    Counts,
    empty_tables,
    run_piece,
    score_piece,
    scorer_for,
)
from roost.core.batch.outputs import OutputLayout, TableSink

__all__ = ["Summary", "known_total", "progress_bar", "run_local"]


@dataclass
class Summary:
    """The outcome of a batch job, for its final line."""

    counts: Counts = field(default_factory=Counts)
    seconds: float = 0.0

    def render(self) -> str:
        """Return the one-line summary: rows, predicted, errors, time, rate."""
        rate = self.counts.rows / self.seconds if self.seconds > 0 else 0.0
        return (
            f"rows {self.counts.rows:,}  predicted {self.counts.predicted:,}  "
            f"errors {self.counts.invalid:,}  {self.seconds:,.1f} s  "
            f"{rate:,.0f} rows/s"
        )


def progress_bar(total: int | None, enabled: bool) -> Any:
    """Return a tqdm bar counting rows on stderr."""
    from tqdm import tqdm  # noqa: PLC0415 - only batch jobs need tqdm

    return tqdm(
        total=total,
        unit=" rows",
        unit_scale=True,
        file=sys.stderr,
        disable=not enabled,
        mininterval=0.5,
    )


def known_total(pieces: Sequence[Piece]) -> int | None:
    """Sum the pieces' rows when every count is known without reading."""
    if any(piece.rows is None for piece in pieces):
        return None
    return sum(piece.rows or 0 for piece in pieces)


def run_local(
    job: BatchJob,
    pieces: Sequence[Piece],
    layout: OutputLayout,
    *,
    progress: bool = True,
) -> Summary:
    """Score every piece in this process, one batch in memory at a time."""
    started = time.perf_counter()
    scorer_for(job)  # a broken artifact fails before any output is written
    summary = Summary()
    offset = 0
    with progress_bar(known_total(pieces), progress) as bar:
        if layout.parts:
            for piece in pieces:
                counts = run_piece(job, piece, offset, layout, bar.update)
                summary.counts.add(counts)
                offset += counts.rows
        else:
            with (
                TableSink(layout.predictions, layout.format, always=True) as out,
                TableSink(layout.errors, layout.format, always=True) as err,
            ):
                no_predictions, no_errors = empty_tables(job)
                out.write(no_predictions)
                err.write(no_errors)
                for piece in pieces:
                    counts = score_piece(job, piece, offset, (out, err), bar.update)
                    summary.counts.add(counts)
                    offset += counts.rows
    summary.seconds = time.perf_counter() - started
    return summary
