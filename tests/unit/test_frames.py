"""`column_arrays`: a frame's columns as numpy arrays, as pandas reads them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from roost.core import column_arrays


def frame() -> pd.DataFrame:
    """Numbers, object strings with a gap, integers and a nullable column."""
    return pd.DataFrame(
        {
            "size": [1.5, np.nan, 3.0],
            "colour": pd.Series(["red", None, "blue"], dtype=object),
            "rooms": [3, 4, 5],
            "floors": pd.array([1, None, 2], dtype="Int64"),
        }
    )


def test_each_column_holds_what_pandas_gives() -> None:
    """Values and dtypes equal `frame[name].to_numpy()`, for every dtype."""
    given = frame()
    arrays = column_arrays(given)
    assert list(arrays) == ["size", "colour", "rooms", "floors"]
    for name, values in arrays.items():
        expected = given[name].to_numpy()
        assert values.dtype == expected.dtype, name
        np.testing.assert_array_equal(values, expected)
    assert arrays["colour"].tolist() == ["red", None, "blue"]


def test_named_columns_only_and_an_unknown_name_is_a_key_error() -> None:
    """The names asked for, in that order; a name the frame lacks raises."""
    arrays = column_arrays(frame(), ["rooms", "size"])
    assert list(arrays) == ["rooms", "size"]
    with pytest.raises(KeyError):
        column_arrays(frame(), ["garden"])


def test_the_arrays_cannot_write_to_the_frame() -> None:
    """A view of the frame's data, read-only: the frame keeps its values."""
    given = frame()
    arrays = column_arrays(given)
    with pytest.raises(ValueError, match="read-only"):
        arrays["size"][0] = 99.0
    assert given["size"].iloc[0] == 1.5


def test_non_string_labels_are_keyed_as_strings() -> None:
    """Columns named by integers come back under their names as text."""
    numbered = pd.DataFrame({0: [1.0], 1: ["a"]})
    assert set(column_arrays(numbered)) == {"0", "1"}


def test_a_duplicated_name_is_read_the_public_way() -> None:
    """Two columns of one name: pandas' own answer (both), not one of them."""
    doubled = pd.DataFrame([[1.0, 2.0]], columns=["a", "a"])
    assert column_arrays(doubled, ["a"])["a"].shape == (1, 2)
