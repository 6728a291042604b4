"""Shadow versions: the comparison math and the queue that never blocks."""

from __future__ import annotations

import math
import time
from pathlib import Path

import pandas as pd
import pytest
from prometheus_client.parser import text_string_to_metric_families

from roost.core import Output
from roost.core.contract.registry import Registry
from roost.core.runtime.metrics import Metrics
from roost.core.serving.dataplane import PredictionRecord
from roost.core.serving.shadow import ShadowObserver
from roost.core.serving.shadow_comparison import (
    Comparison,
    compare_outputs,
    relative_difference,
)

TESTING = "roost.adapters.testing"
LABEL = Output.label(["even", "odd"])


def _sample(metrics: Metrics, name: str, **labels: str) -> float:
    """Return one sample's value from the metrics' exposition; 0 when absent."""
    for family in text_string_to_metric_families(metrics.render().decode()):
        for sample in family.samples:
            if sample.name == name and all(
                sample.labels.get(k) == v for k, v in labels.items()
            ):
                return float(sample.value)
    return 0.0


def _wait_for(condition: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "the shadow thread did not catch up"
        time.sleep(0.02)


def _echo_registry(tmp_path: Path, delay: float = 0) -> Registry:
    registry = Registry.discover(TESTING, tmp_path, options={"echo": {"delay": delay}})
    registry.load_all()
    return registry


def _served(xs: list[float], version: str = "1.0") -> PredictionRecord:
    """A record as the data plane hands it over after echo `version` answered."""
    return PredictionRecord(
        "echo",
        version,
        None,
        pd.DataFrame({"x": xs}),
        tuple(range(len(xs))),
        {"predictions": list(xs)},
        (Output.number(),),
        time.time(),
        0.001,
    )


class TestRelativeDifference:
    """|shadow - served| / |served|, with the edges spelled out."""

    @pytest.mark.parametrize(
        ("served", "shadow", "expected"),
        [
            (10.0, 11.0, 0.1),
            (10.0, 9.0, 0.1),
            (-4.0, -2.0, 0.5),
            (3.0, 3.0, 0.0),
            (0.0, 0.0, 0.0),
            (0.0, 1e-9, math.inf),
            (None, None, 0.0),
            (1.0, None, math.inf),
            (math.nan, math.nan, 0.0),
            (1.0, math.nan, math.inf),
        ],
    )
    def test_edges(
        self, served: float | None, shadow: float | None, expected: float
    ) -> None:
        """Equal values are 0 apart; a zero or missing served value is inf."""
        assert relative_difference(served, shadow) == pytest.approx(expected)


class TestCompareOutputs:
    """Numbers by relative difference, labels by agreement, others skipped."""

    def test_numbers_and_labels(self) -> None:
        """Each compared output says how many rows and how far."""
        declared = (Output.number("price"), LABEL, Output.probabilities(["a", "b"]))
        served = {
            "price": [100.0, 200.0],
            "predictions": ["even", "odd"],
            "probabilities": [[1.0, 0.0], [0.0, 1.0]],
        }
        shadow = {
            "price": [110.0, 200.0],
            "predictions": ["odd", "odd"],
            "probabilities": [[0.0, 1.0], [0.0, 1.0]],
        }
        assert compare_outputs(declared, served, shadow) == [
            Comparison("price", 2, (pytest.approx(0.1), 0.0)),  # type: ignore[arg-type]
            Comparison("predictions", 2, (), 1),
        ]

    def test_an_output_the_shadow_lacks_is_skipped(self) -> None:
        """Only outputs both versions computed are compared."""
        assert compare_outputs((LABEL,), {"predictions": ["odd"]}, {}) == []

    def test_a_row_count_mismatch_is_an_error(self) -> None:
        """A shadow answering another number of rows cannot be compared."""
        with pytest.raises(ValueError, match="answered 1 rows for 2"):
            compare_outputs(
                (Output.number(),), {"predictions": [1, 2]}, {"predictions": [1]}
            )


class TestShadowObserver:
    """The observer queues, predicts aside, compares, and counts drops."""

    def test_shadow_outputs_are_compared(self, tmp_path: Path) -> None:
        """The shadow echo 2.0 doubles 1.0's answers: each row is 100 % apart."""
        metrics = Metrics()
        observer = ShadowObserver(
            _echo_registry(tmp_path), {"echo": "2.0"}, metrics.shadow
        )
        observer.observe(_served([1.0, 2.0, 4.0]))
        labels = {"model": "echo", "version": "1.0", "shadow_version": "2.0"}
        _wait_for(
            lambda: _sample(metrics, "roost_shadow_compared_rows_total", **labels) == 3
        )
        assert _sample(metrics, "roost_shadow_difference_count", **labels) == 3
        assert _sample(metrics, "roost_shadow_difference_sum", **labels) == 3.0
        bucket = {**labels, "le": "0.5"}
        assert _sample(metrics, "roost_shadow_difference_bucket", **bucket) == 0
        assert (
            _sample(metrics, "roost_shadow_duration_seconds_count", model="echo") == 1
        )

    def test_the_shadow_version_itself_is_not_shadowed(self, tmp_path: Path) -> None:
        """A request the shadow version answered has nothing to compare to."""
        metrics = Metrics()
        observer = ShadowObserver(
            _echo_registry(tmp_path), {"echo": "2.0"}, metrics.shadow
        )
        observer.observe(_served([1.0], version="2.0"))
        observer.observe(_served([1.0]))
        _wait_for(lambda: _sample(metrics, "roost_shadow_compared_rows_total") == 1)
        time.sleep(0.1)
        assert _sample(metrics, "roost_shadow_compared_rows_total") == 1

    def test_a_full_queue_drops_and_counts(self, tmp_path: Path) -> None:
        """With the shadow busy, observe returns at once and counts each drop."""
        metrics = Metrics()
        observer = ShadowObserver(
            _echo_registry(tmp_path, delay=0.3),
            {"echo": "2.0"},
            metrics.shadow,
            queue_size=1,
        )
        started = time.monotonic()
        for _ in range(6):
            observer.observe(_served([1.0]))
        assert time.monotonic() - started < 0.25  # never waited for the shadow
        dropped = _sample(metrics, "roost_shadow_dropped_total", shadow_version="2.0")
        assert 4 <= dropped <= 5
        _wait_for(
            lambda: _sample(metrics, "roost_shadow_compared_rows_total") == 6 - dropped
        )

    def test_a_failing_shadow_is_counted(self, tmp_path: Path) -> None:
        """A shadow that cannot predict the rows counts an error and goes on."""
        metrics = Metrics()
        observer = ShadowObserver(
            _echo_registry(tmp_path), {"echo": "2.0"}, metrics.shadow
        )
        broken = _served([1.0])
        observer.observe(
            PredictionRecord(**{**vars(broken), "source": pd.DataFrame({"y": [1.0]})})
        )
        observer.observe(_served([1.0]))
        _wait_for(lambda: _sample(metrics, "roost_shadow_compared_rows_total") == 1)
        assert _sample(metrics, "roost_shadow_errors_total", model="echo") == 1

    def test_a_missing_shadow_version_is_a_problem(self, tmp_path: Path) -> None:
        """A shadow naming a version not installed is reported, not raised."""
        observer = ShadowObserver(
            _echo_registry(tmp_path), {"echo": "9.9"}, Metrics().shadow
        )
        assert "ROOST_SHADOW" in observer.problems()["echo"]
        observer.observe(_served([1.0]))  # nothing to do, nothing raised
