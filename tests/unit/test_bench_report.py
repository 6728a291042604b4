"""The serving benchmark's report: micro-batching read from roost's /metrics."""

from __future__ import annotations

import sys
from pathlib import Path

from roost.core.runtime.metrics import Metrics

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from batch_metrics import BatchRows, batch_rows
from loadgen import LoadResult
from report import render
from results import Cell, Report, ServerRun, best_of


def _cell(requests: int) -> Cell:
    load = LoadResult(requests, 10.0, 0, 0, 1.0, 2.0, 3.0, 1.5, 8)
    return Cell(load=load, cpu_ms=1.0, other_load=0.0)


class TestCountedDuringACell:
    """Calls made between two readings of one server's real /metrics."""

    def test_difference_counts_only_the_later_calls(self) -> None:
        """Calls of 1 and 1000 rows, then of 1, 1, 4 and 2: 4 calls, 2 merged."""
        metrics = Metrics()
        series = metrics.batch_rows.labels(model="house-prices", version="1.0.0")
        for rows in (1, 1000):
            series.observe(rows)
        before = batch_rows(metrics.render().decode(), "house-prices")
        for rows in (1, 1, 4, 2):
            series.observe(rows)
        after = batch_rows(metrics.render().decode(), "house-prices")
        assert after - before == BatchRows(calls=4, rows=8, merged_calls=2)

    def test_rounds_add_up(self) -> None:
        """Two rounds of one server: their calls are summed, not the best kept."""
        runs = [ServerRun("roost", "roost"), ServerRun("roost", "roost")]
        runs[0].batches = BatchRows(10, 30, 4)
        runs[1].batches = BatchRows(5, 5, 0)
        assert best_of(runs).batches == BatchRows(15, 35, 4)


class TestFloorTargets:
    """The floor share and the 1-connection p50 are judged against the issue."""

    def _report(self, roost_rate: int, floor_rate: int, p50_ms: float) -> Report:
        roost = ServerRun("roost", "roost (compiled engine)")
        roost.cells[1] = _cell(roost_rate * 10)
        single = LoadResult(1000, 10.0, 0, 0, p50_ms, 1.0, 2.0, 0.5, 1)
        roost.single = Cell(load=single, cpu_ms=0.5, other_load=0.0)
        floor = ServerRun("floor", "floor: Falcon, constant")
        floor.cells[1] = _cell(floor_rate * 10)
        return Report({"machine": "test"}, [1], [roost, floor], {}, {}, 8, 10)

    def test_share_and_p50_pass(self) -> None:
        """3,346 of 6,979 req/s is 47.9% (>= 45%); p50 0.49 ms (<= 0.6 ms)."""
        text = render(self._report(3346, 6979, 0.49))
        share = "roost req/s as a share of the floor's | 47.9% | >= 45% | PASS |"
        assert share in text
        assert (
            "| p50 latency, 1 record, 1 connection | 0.490 ms | <= 0.6 ms | PASS |"
            in text
        )

    def test_share_and_p50_fail(self) -> None:
        """2,011 of 6,974 req/s is 28.8%; p50 0.884 ms: both FAIL."""
        text = render(self._report(2011, 6974, 0.884))
        assert "| 28.8% | >= 45% | FAIL |" in text
        assert "| 0.884 ms | <= 0.6 ms | FAIL |" in text


class TestBatchesSection:
    """The report shows the merged calls beside the servers that counted them."""

    def _report(self) -> Report:
        batched = ServerRun("roost-batched", "roost (compiled, micro-batching)")
        batched.cells[1] = _cell(12000)
        batched.batches = BatchRows(calls=3000, rows=12000, merged_calls=2500)
        plain = ServerRun("roost", "roost (compiled engine)")
        plain.cells[1] = _cell(20000)
        plain.batches = BatchRows(calls=20000, rows=20000, merged_calls=0)
        seed = ServerRun("seed", "seed stack (Flask+marshmallow)")
        seed.cells[1] = _cell(1300)
        return Report({"machine": "test"}, [1], [plain, batched, seed], {}, {}, 8, 10)

    def test_merged_calls_per_server(self) -> None:
        """Each roost row: requests, calls, rows per call, merged calls."""
        text = render(self._report())
        section = text.split("## Micro-batching seen in /metrics")[1].split("##")[0]
        batched = "| roost (compiled, micro-batching) | 12,000 | 3,000 | 4.00 | 2,500 |"
        assert batched in section
        assert "| roost (compiled engine) | 20,000 | 20,000 | 1.00 | 0 |" in section
        assert "seed stack" not in section
