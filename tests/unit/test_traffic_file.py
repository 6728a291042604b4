"""The traffic file: ROOST_TRAFFIC and ROOST_SHADOW that each worker re-reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from roost.core.runtime.settings import Settings
from roost.core.runtime.traffic_file import read_traffic_file, with_traffic_file


class TestReadTrafficFile:
    """Lines of `ROOST_TRAFFIC=...` and `ROOST_SHADOW=...`, read as the variables."""

    def test_both_lines_are_read(self) -> None:
        """Each line is parsed as its variable would be; comments are skipped."""
        text = "# canary\nROOST_TRAFFIC = echo=1.0:90,2.0:10\n\nROOST_SHADOW=echo=2.0\n"
        assert read_traffic_file(text) == {
            "traffic": {"echo": {"1.0": 90.0, "2.0": 10.0}},
            "shadow": {"echo": "2.0"},
        }

    def test_a_missing_line_is_unset(self) -> None:
        """Removing a line from the file removes that split or shadow."""
        assert read_traffic_file("ROOST_SHADOW=echo=2.0") == {
            "traffic": {},
            "shadow": {"echo": "2.0"},
        }

    @pytest.mark.parametrize(
        ("text", "says"),
        [
            ("ROOST_WORKERS=4", "line 1: expected ROOST_TRAFFIC or ROOST_SHADOW"),
            ("\nechoes", "line 2: expected"),
            ("ROOST_TRAFFIC=echo=1.0:x", "is not a number"),
        ],
    )
    def test_a_wrong_line_is_refused(self, text: str, says: str) -> None:
        """Other variables and wrong values are errors naming the line or value."""
        with pytest.raises(ValueError, match=says):
            read_traffic_file(text)


class TestWithTrafficFile:
    """Settings with the file's values in place of the environment's."""

    def test_the_file_replaces_the_variables(self, tmp_path: Path) -> None:
        """The file's split and shadow replace those the environment set."""
        path = tmp_path / "traffic"
        path.write_text("ROOST_TRAFFIC=echo=2.0:1\n")
        settings = Settings(
            traffic={"echo": {"1.0": 1}}, shadow={"echo": "2.0"}, traffic_file=path
        )
        updated, problem = with_traffic_file(settings)
        assert problem is None
        assert updated.traffic == {"echo": {"2.0": 1.0}}
        assert updated.shadow == {}

    def test_without_a_file_nothing_changes(self) -> None:
        """No ROOST_TRAFFIC_FILE: the environment's values stand."""
        settings = Settings(traffic={"echo": {"1.0": 1}})
        assert with_traffic_file(settings) == (settings, None)

    @pytest.mark.parametrize(
        ("text", "says"),
        [
            (None, "No such file"),
            ("ROOST_TRAFFIC=echo=1.0:0", "needs a positive weight"),
            ("ROOST_TRAFFIC=echo=1.0:1", "split by traffic and pinned"),
        ],
    )
    def test_an_unusable_file_is_a_problem(
        self, tmp_path: Path, text: str | None, says: str
    ) -> None:
        """A missing or wrong file is reported; the environment's values stand."""
        path = tmp_path / "traffic"
        if text is not None:
            path.write_text(text)
        settings = Settings(pinned_versions={"echo": "1.0"}, traffic_file=path)
        updated, problem = with_traffic_file(settings)
        assert updated == settings
        assert problem is not None
        assert says in problem
        assert str(path) in problem
