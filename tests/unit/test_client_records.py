"""roost.client.records: rows in, a JSON list of records out."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import numpy as np
import pandas as pd
import pytest

from roost.client.records import encode_rows


def _sent(rows: Any) -> Any:
    return json.loads(encode_rows(rows).body)


class TestEncodeRows:
    """What goes on the wire for each kind of rows."""

    def test_records_are_sent_as_given(self) -> None:
        """A list of dicts is a JSON list of the same records, with no index."""
        encoded = encode_rows([{"x": 1.5, "label": "a"}, {"x": 2}])
        assert json.loads(encoded.body) == [{"x": 1.5, "label": "a"}, {"x": 2}]
        assert encoded.count == 2
        assert encoded.index is None

    def test_a_frame_is_sent_as_records_and_keeps_its_index(self) -> None:
        """A DataFrame's rows become records; its index is kept for the answer."""
        frame = pd.DataFrame({"x": [1.5, 2.0], "n": [3, 4]}, index=[7, 5])
        encoded = encode_rows(frame)
        assert json.loads(encoded.body) == [{"x": 1.5, "n": 3}, {"x": 2.0, "n": 4}]
        assert encoded.count == 2
        assert encoded.index is not None
        assert encoded.index.tolist() == [7, 5]

    def test_missing_values_are_null(self) -> None:
        """NaN, None, pandas' NA and NaT are all sent as null."""
        frame = pd.DataFrame(
            {
                "x": [np.nan, 1.0],
                "s": pd.array([pd.NA, "a"], dtype="string"),
                "t": [pd.NaT, pd.Timestamp("2024-01-02")],
            }
        )
        assert _sent(frame) == [
            {"x": None, "s": None, "t": None},
            {"x": 1.0, "s": "a", "t": "2024-01-02T00:00:00"},
        ]
        assert _sent([{"x": float("nan"), "y": None}]) == [{"x": None, "y": None}]

    def test_numpy_scalars_and_dates_are_plain(self) -> None:
        """NumPy numbers are numbers; dates and times are ISO 8601 text."""
        rows = [{"n": np.int64(3), "f": np.float32(0.5), "d": dt.date(2024, 5, 1)}]
        assert _sent(rows) == [{"n": 3, "f": 0.5, "d": "2024-05-01"}]

    def test_infinity_is_refused(self) -> None:
        """An infinite number has no JSON form: ValueError before sending."""
        with pytest.raises(ValueError, match="infinite"):
            encode_rows([{"x": float("inf")}])

    @pytest.mark.parametrize(
        "rows",
        [{"x": 1}, "x", b"[]", 3, None],
        ids=["dict", "str", "bytes", "int", "none"],
    )
    def test_anything_but_records_or_a_frame_is_refused(self, rows: Any) -> None:
        """A single dict, text or a scalar is a TypeError naming what was passed."""
        with pytest.raises(TypeError, match="list of records"):
            encode_rows(rows)

    def test_a_record_that_is_not_a_mapping_is_refused(self) -> None:
        """Each record must be a mapping; the error names its position."""
        with pytest.raises(TypeError, match="record 1 is a list"):
            encode_rows([{"x": 1}, [1, 2]])

    def test_a_frame_repeating_a_column_is_refused(self) -> None:
        """Two columns of one name would send one field twice: ValueError."""
        frame = pd.DataFrame([[1, 2, 3]], columns=["x", "x", "y"])
        with pytest.raises(ValueError, match=r"repeats columns \['x'\]"):
            encode_rows(frame)

    def test_a_value_json_cannot_carry_is_refused(self) -> None:
        """An arbitrary object is a TypeError naming its type."""
        with pytest.raises(TypeError, match="object value"):
            encode_rows([{"x": object()}])
