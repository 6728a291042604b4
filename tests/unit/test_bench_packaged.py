"""The packaged-model benchmark's helpers: /metrics reading, ratios, targets."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from roost.core.runtime.metrics import Metrics

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from batch_metrics import BatchRows, batch_rows
from loadgen import LoadResult
from packaged_results import (
    MLSERVER,
    ONNX,
    SKLEARN,
    BatchingSide,
    PackagedReport,
    Row,
    combined_rate,
    ratio,
    render,
    target_lines,
)
from results import Cell


def _metrics_text(calls: dict[str, list[int]]) -> str:
    """Render roost's own /metrics after adapter calls of these row counts."""
    metrics = Metrics()
    for model, rows in calls.items():
        for count in rows:
            metrics.batch_rows.labels(model=model, version="1.0.0").observe(count)
    return metrics.render().decode()


def _cell(requests: int, seconds: float = 10.0) -> Cell:
    load = LoadResult(requests, seconds, 0, 0, 1.0, 2.0, 3.0, 1.5, 8)
    return Cell(load=load, cpu_ms=1.0, other_load=0.0)


class TestBatchRows:
    """Mean rows per call and merged calls, read from roost's real /metrics."""

    def test_merged_calls_and_mean(self) -> None:
        """Calls of 1, 1, 5 and 30 rows: 4 calls, 37 rows, 2 merged."""
        text = _metrics_text({"band": [1, 1, 5, 30], "other": [64, 64]})
        found = batch_rows(text, "band")
        assert found == BatchRows(calls=4, rows=37, merged_calls=2)
        assert found.mean_rows == pytest.approx(9.25)

    def test_unbatched_calls_merge_nothing(self) -> None:
        """One row a call: no merged call, one row per call."""
        found = batch_rows(_metrics_text({"band": [1] * 7}), "band")
        assert (found.merged_calls, found.mean_rows) == (0, 1.0)

    def test_absent_model_has_no_calls(self) -> None:
        """A model /metrics does not list: zero calls, mean 0."""
        found = batch_rows(_metrics_text({"other": [3]}), "band")
        assert found == BatchRows(0, 0, 0)
        assert found.mean_rows == 0.0


class TestRatios:
    """Rates over several runs and their ratios."""

    def test_combined_rate_weights_by_duration(self) -> None:
        """300 requests over 30 s of runs: 10 per second."""
        assert combined_rate([_cell(100, 10.0), _cell(200, 20.0)]) == 10.0

    def test_no_runs_no_rate(self) -> None:
        """No run: no rate, and no ratio with it."""
        assert combined_rate([]) is None
        assert ratio(None, 5.0) is None
        assert ratio(5.0, 0.0) is None
        assert ratio(6.0, 2.0) == 3.0


def _report(onnx_failure: str | None, on: int, off: int, merged: int) -> PackagedReport:
    rates = {ONNX: 2000, SKLEARN: 400, MLSERVER: 100}
    rows = [
        Row(name, name, cells={size: _cell(rate * 10) for size in (1, 100, 1000)})
        for name, rate in rates.items()
    ]
    if onnx_failure:
        rows[0] = Row(ONNX, ONNX, failure=onnx_failure)
    sides = [
        BatchingSide("off", {"ROOST_BATCH_MAX_ROWS": "1"}, [_cell(off)]),
        BatchingSide("on", {"ROOST_BATCH_MAX_ROWS": "64"}, [_cell(on)]),
    ]
    sides[0].batches = BatchRows(off, off, 0)
    sides[1].batches = BatchRows(on // 4, on, merged)
    return PackagedReport({"machine": "test"}, [1, 100, 1000], rows, sides, 8, 32, 10)


class TestTargets:
    """Each target: PASS at or above its goal, FAIL below, said when missing."""

    def test_onnx_over_mlserver_and_batching(self) -> None:
        """20x ONNX over MLServer passes 10x; batching 1.6x with merges passes."""
        lines = target_lines(_report(None, on=1600, off=1000, merged=12))
        onnx_one = next(
            line for line in lines if line.startswith("| 1 record: roost-onnx")
        )
        assert "| 20.0x | >= 10x | PASS |" in onnx_one
        batching = next(line for line in lines if "micro-batching on / off" in line)
        assert "| 1.6x | >= 1.5x | PASS |" in batching
        assert any("calls of more than one row | 12 | > 0 | PASS" in ln for ln in lines)

    def test_short_of_the_goal_fails(self) -> None:
        """Batching 1.2x, nothing merged: both FAIL."""
        lines = target_lines(_report(None, on=1200, off=1000, merged=0))
        assert any("on / off, req/s | 1.2x | >= 1.5x | FAIL" in ln for ln in lines)
        assert any("calls of more than one row | 0 | > 0 | FAIL" in ln for ln in lines)

    def test_missing_engine_is_not_available(self) -> None:
        """No ONNX wheel: its rows say why, the sklearn rows still report."""
        why = "`roost package` has no --engine option"
        lines = target_lines(_report(why, on=1600, off=1000, merged=3))
        onnx = [line for line in lines if "roost-onnx /" in line]
        assert len(onnx) == 3
        goals = ("10x", "3x", "3x")
        for line, goal in zip(onnx, goals, strict=True):
            assert f"| - | >= {goal} | not available ({why}) |" in line
        assert any("roost-sklearn / mlserver | 4.0x | - | INFO" in ln for ln in lines)

    def test_render_has_every_section(self) -> None:
        """The report holds the facts, targets and both tables."""
        text = render(_report(None, on=1600, off=1000, merged=3))
        for heading in ("- **machine**: test", "## Targets", "## Engines", "## Micro"):
            assert heading in text
