"""Tests for roost.core.serving.coercion: JSON values to ints and floats."""

from __future__ import annotations

from typing import Any

import pytest

from roost.core.serving.coercion import (
    COERCERS,
    INT64_MAX,
    INT64_MIN,
    MAX_NUMBER_TEXT,
    to_float,
    to_int,
)


class TestToInt:
    """to_int turns whole numbers, however spelled, into int."""

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            (12, 12),
            (-3, -3),
            (0, 0),
            ("12", 12),
            (" 12 ", 12),
            ("-7", -7),
            ("12.0", 12),
            (" 4.000 ", 4),
            ("1e3", 1000),
            (2.0, 2),
            (-0.0, 0),
        ],
    )
    def test_whole_numbers_become_int(self, value: Any, expected: int) -> None:
        """A whole number, as an int, float or numeric string, becomes that int."""
        result = to_int(value)
        assert result == expected
        assert type(result) is int

    def test_none_passes_through(self) -> None:
        """None is returned unchanged, so cerberus can apply `nullable`."""
        assert to_int(None) is None

    @pytest.mark.parametrize(
        "value",
        [
            2.5,
            "2.5",
            True,
            False,
            "lots",
            "",
            "   ",
            "0x10",
            float("nan"),
            float("inf"),
            float("-inf"),
            "nan",
            "inf",
            "-inf",
            "1e400",
            "1_000",
            "\u0663",
            "0x1f",
            "12 34",
            [1],
            {"value": 1},
            (1,),
        ],
    )
    def test_rejects_what_is_not_a_whole_number(self, value: Any) -> None:
        """Fractions, booleans, non-finite values, words and containers are refused."""
        with pytest.raises(ValueError, match="is not a whole number"):
            to_int(value)

    def test_message_quotes_the_value(self) -> None:
        """The error names the offending value as the client sent it."""
        with pytest.raises(ValueError, match=r"^'lots' is not a whole number$"):
            to_int("lots")

    def test_message_cuts_long_values_short(self) -> None:
        """A long offending value is shown shortened, so the error stays small."""
        with pytest.raises(ValueError, match="is not a whole number") as caught:
            to_int("x" * 90)
        assert "..." in str(caught.value)
        assert len(str(caught.value)) < 70

    @pytest.mark.parametrize(
        "value", [INT64_MAX, INT64_MIN, str(INT64_MAX), f" {INT64_MIN} "]
    )
    def test_int64_bounds_are_accepted(self, value: Any) -> None:
        """The largest and smallest 64-bit integers are whole numbers."""
        assert to_int(value) == int(value)

    @pytest.mark.parametrize(
        "value",
        [INT64_MAX + 1, INT64_MIN - 1, 10**30, 1e19, -1e19, "1e30", str(2**63)],
    )
    def test_rejects_numbers_beyond_int64(self, value: Any) -> None:
        """Whole numbers outside the int64 range are refused, not overflowed."""
        with pytest.raises(ValueError, match="within the 64-bit integer range"):
            to_int(value)

    def test_rejects_overlong_number_text(self) -> None:
        """A numeric string longer than the limit is refused before parsing."""
        with pytest.raises(ValueError, match=f"at most {MAX_NUMBER_TEXT} characters"):
            to_int("1" * (MAX_NUMBER_TEXT + 1))

    def test_accepts_number_text_at_the_limit(self) -> None:
        """A numeric string exactly at the length limit is still parsed."""
        assert to_int("0" * (MAX_NUMBER_TEXT - 1) + "7") == 7


class TestToFloat:
    """to_float turns finite numbers, however spelled, into float."""

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            (2.5, 2.5),
            (3, 3.0),
            (-1, -1.0),
            ("2.5", 2.5),
            (" 2.5 ", 2.5),
            ("12", 12.0),
            ("1e3", 1000.0),
            (10**20, 1e20),
        ],
    )
    def test_finite_numbers_become_float(self, value: Any, expected: float) -> None:
        """A finite number, as an int, float or numeric string, becomes a float."""
        result = to_float(value)
        assert result == expected
        assert type(result) is float

    def test_none_passes_through(self) -> None:
        """None is returned unchanged, so cerberus can apply `nullable`."""
        assert to_float(None) is None

    @pytest.mark.parametrize("value", [True, False])
    def test_rejects_booleans(self, value: bool) -> None:
        """Booleans are not numbers, although Python treats them as ints."""
        with pytest.raises(ValueError, match="is not a number"):
            to_float(value)

    @pytest.mark.parametrize(
        "value",
        [
            float("nan"),
            float("inf"),
            float("-inf"),
            "nan",
            "NaN",
            "inf",
            "-Infinity",
            "1e400",
            "lots",
            "",
        ],
    )
    def test_rejects_non_finite_and_words(self, value: Any) -> None:
        """NaN, infinities (also as strings and by overflow) and words are refused."""
        with pytest.raises(ValueError, match="finite number"):
            to_float(value)

    def test_huge_int_is_a_value_error_not_an_overflow(self) -> None:
        """An int too large for a float raises ValueError, never OverflowError."""
        with pytest.raises(ValueError, match="must be a finite number") as caught:
            to_float(10**400)
        assert not isinstance(caught.value, OverflowError)

    def test_rejects_overlong_number_text(self) -> None:
        """A numeric string longer than the limit is refused before parsing."""
        with pytest.raises(ValueError, match=f"at most {MAX_NUMBER_TEXT} characters"):
            to_float("1" * (MAX_NUMBER_TEXT + 1))

    @pytest.mark.parametrize("value", [[1.0], {"x": 1.0}, (1.0,), object()])
    def test_rejects_containers_and_objects(self, value: Any) -> None:
        """Lists, dicts and other objects are refused as not a number."""
        with pytest.raises(ValueError, match="is not a number"):
            to_float(value)


class TestCoercers:
    """COERCERS maps cerberus type names to the coercer roost adds."""

    def test_numeric_types_map_to_their_coercers(self) -> None:
        """Type integer uses to_int; float and number use to_float; no others."""
        assert dict(COERCERS) == {
            "integer": to_int,
            "float": to_float,
            "number": to_float,
        }
