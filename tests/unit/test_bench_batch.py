"""The batch benchmark's targets: start-up read from `roost predict`'s summary."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from roost.core.batch.job import Counts
from roost.core.batch.local import Summary

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from batch_targets import Timing, dask_ceiling, target_lines


def _summary(rows: int, seconds: float) -> str:
    """The line `roost predict` prints at the end of a job."""
    return Summary(Counts(rows, rows - 10, 10), seconds).render()


class TestTiming:
    """Start-up is the wall time before the summary's own time."""

    def test_scoring_time_comes_from_the_summarys_rate(self) -> None:
        """1M rows scored in 1.9 s of a 3.6 s command: 1.7 s of start-up."""
        timing = Timing.of(3.6, _summary(1_000_000, 1.9), 1_000_000)
        assert timing.scoring_seconds == pytest.approx(1.9, rel=1e-5)
        assert timing.startup == pytest.approx(1.7, rel=1e-4)

    def test_a_summary_without_a_rate_is_refused(self) -> None:
        """A line that is no summary is an error, not a zero start-up."""
        with pytest.raises(ValueError, match="no rows/s"):
            Timing.of(3.0, "rows 10  predicted 10", 10)


class TestTargets:
    """Targets judged on the fastest runs, the ceiling worked out by hand."""

    def test_ceiling_is_local_over_dask_start_up_plus_half_the_scoring(self) -> None:
        """3.6 / (1.8 + 1.9 / 2) = 1.309: no 2-worker run can reach 1.6x."""
        local = Timing(3.6, 1.9)
        dask = Timing(3.4, 1.6)
        assert dask_ceiling(local, dask, 2) == pytest.approx(3.6 / 2.75)

    def test_lines_judge_both_targets(self) -> None:
        """286k rows/s passes 250k; 1.06x fails 1.6x; ceiling 3.5 / (1.8 + 0.9)."""
        local = Timing.of(3.5, _summary(1_000_000, 1.8), 1_000_000)
        dask = Timing.of(3.3, _summary(1_000_000, 1.5), 1_000_000)
        text = "\n".join(target_lines(1_000_000, local, dask, 2))
        assert "| local rows/s | 285,714 | >= 250,000 | PASS |" in text
        assert "| Dask (2 workers) / local | 1.06x | >= 1.6x | FAIL |" in text
        assert "| start-up, local / Dask (s) | 1.70 / 1.80 | reported | INFO |" in text
        assert "scoring / 2 | 1.30x | reported | INFO |" in text

    def test_a_fast_dask_run_passes(self) -> None:
        """A job of long scoring and short start-up: 2 workers reach 1.7x."""
        local = Timing(20.0, 19.5)
        dask = Timing(11.5, 11.0)
        text = "\n".join(target_lines(10_000_000, local, dask, 2))
        assert "| Dask (2 workers) / local | 1.74x | >= 1.6x | PASS |" in text
