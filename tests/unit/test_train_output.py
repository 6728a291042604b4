"""`roost train`'s metrics table."""

from __future__ import annotations

from roost.core.cli.train import metric_lines


def test_values_line_up_past_long_names() -> None:
    """A name longer than the others pushes every value to one column."""
    lines = metric_lines({"rmse": 0.5, "balanced_accuracy": 0.8125, "n_train": 1168.0})
    assert lines == [
        "  rmse               0.5",
        "  balanced_accuracy  0.8125",
        "  n_train            1,168",
    ]


def test_no_metrics_no_lines() -> None:
    """An adapter that reports no metrics prints no table."""
    assert metric_lines({}) == []
