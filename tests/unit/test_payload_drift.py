"""Reading payload logs tolerantly, and the drift table and page drawn from them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import orjson
import pandas as pd

from roost.core.monitoring.binning import bin_features
from roost.core.monitoring.drift_report import render_html
from roost.core.monitoring.payload_drift import DriftReport, drift_of, read_log

SCHEMA = {"size": {"type": "float"}, "colour": {"type": "string"}}


def write(path: Path, *lines: object) -> Path:
    """Write each line as JSON, or as given when it is bytes."""
    path.write_bytes(
        b"\n".join(
            line if isinstance(line, bytes) else orjson.dumps(line) for line in lines
        )
        + b"\n"
    )
    return path


class TestReadLog:
    """Only `model`, `version` and `inputs` are read; the rest is ignored."""

    def test_records_and_columns_of_the_model(self, tmp_path: Path) -> None:
        """Rows come from records and from columns; other models are passed over."""
        log = write(
            tmp_path / "log.jsonl",
            {"model": "shop", "version": "1", "inputs": [{"size": 1.0}], "x": 1},
            {"model": "shop", "version": "2", "inputs": {"size": [2.0, 3.0]}},
            {"model": "other", "version": "1", "inputs": [{"size": 9.0}]},
        )
        logged = read_log([log], "shop", None)
        assert logged.frame["size"].tolist() == [1.0, 2.0, 3.0]
        assert (logged.lines, logged.skipped) == (2, 0)

    def test_a_version_keeps_its_lines_only(self, tmp_path: Path) -> None:
        """With a version, lines of other versions do not count."""
        log = write(
            tmp_path / "log.jsonl",
            {"model": "shop", "version": "1", "inputs": [{"size": 1.0}]},
            {"model": "shop", "version": "2", "inputs": [{"size": 2.0}]},
        )
        assert read_log([log], "shop", "2").frame["size"].tolist() == [2.0]

    def test_unreadable_lines_are_skipped_and_counted(self, tmp_path: Path) -> None:
        """Not JSON, not an object, no inputs, ragged columns: four skipped."""
        log = write(
            tmp_path / "log.jsonl",
            b"{not json",
            [1, 2],
            {"model": "shop"},
            {"model": "shop", "inputs": {"size": [1.0], "colour": []}},
            b"",
            {"model": "shop", "inputs": [{"size": 5.0}]},
        )
        logged = read_log([log], "shop", None)
        assert (logged.lines, logged.skipped) == (1, 4)
        assert logged.frame["size"].tolist() == [5.0]

    def test_several_files_are_read_in_turn(self, tmp_path: Path) -> None:
        """Two files (two workers' logs, say) add up."""
        first = write(tmp_path / "a.jsonl", {"model": "shop", "inputs": [{"size": 1}]})
        second = write(tmp_path / "b.jsonl", {"model": "shop", "inputs": [{"size": 2}]})
        assert len(read_log([first, second], "shop", None).frame) == 2


def report() -> DriftReport:
    """A report of shifted sizes and unchanged colours, one of them awkward HTML."""
    reference = pd.DataFrame(
        {"size": np.arange(100, dtype=float), "colour": ["<b>red</b>", "blue"] * 50}
    )
    live = reference.assign(size=reference["size"] + 90)
    features = drift_of(bin_features(reference, SCHEMA), live)
    return DriftReport("shop", "1", 100, 100, 2, 0, features)


class TestReport:
    """The table sorts by PSI; the page holds a chart per feature and no script."""

    def test_table_most_drifted_first(self) -> None:
        """Sizes shifted read as a shift, first; colours stable, after."""
        lines = report().render().splitlines()
        assert lines[0].startswith("shop 1: 100 logged row(s) from 2 line(s)")
        assert lines[2].split()[0] == "size"
        assert lines[2].split()[2] == "shift"
        assert lines[3].split()[0] == "colour"
        assert lines[3].split()[2] == "stable"

    def test_page_has_one_escaped_chart_per_feature(self) -> None:
        """Two features, two SVG charts, the category label escaped, no script."""
        page = render_html(report())
        assert page.count("<svg") == 2
        assert "&lt;b&gt;red&lt;/b&gt;" in page
        assert "<b>red" not in page
        assert "<script" not in page
        assert page.count("<rect") == 2 * sum(len(f.bins) for f in report().features)
