"""Type coercion for JSON values: "12" -> 12, 2.0 -> 2; booleans are no numbers."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from roost.core.quoting import short_repr

__all__ = ["COERCERS", "Shown", "to_float", "to_int"]

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
#: Longer number strings are refused before parsing (int() is quadratic).
MAX_NUMBER_TEXT = 100
TOO_LONG = f"must be a number written in at most {MAX_NUMBER_TEXT} characters"
#: Plain decimal spellings only: no "1_000", no non-ASCII digits, no "0x1f".
_INTEGER_TEXT = re.compile(r"[+-]?[0-9]+")
_DECIMAL_TEXT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


class Shown:
    """A client's value in a message template: `{value}` and `{value!r}` are short."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        return short_repr(self.value)

    def __str__(self) -> str:
        return short_repr(self.value)

    def __format__(self, spec: str) -> str:
        return format(short_repr(self.value), spec)


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value


def _in_int64(number: int) -> int:
    if not INT64_MIN <= number <= INT64_MAX:
        raise ValueError("must be a whole number within the 64-bit integer range")
    return number


def _number_text(text: str, expected: str) -> str:
    """Return the stripped text of a plain decimal number.

    Raises:
        ValueError: too long, or not a plain decimal spelling.
    """
    stripped = text.strip()
    if len(stripped) > MAX_NUMBER_TEXT:
        raise ValueError(TOO_LONG)
    if not _DECIMAL_TEXT.fullmatch(stripped):
        raise ValueError(f"{short_repr(text)} is not {expected}")
    return stripped


def _parse_int(text: str) -> int:
    stripped = _number_text(text, "a whole number")
    if _INTEGER_TEXT.fullmatch(stripped):
        return int(stripped)
    number = float(stripped)
    if not (math.isfinite(number) and number.is_integer()):
        raise ValueError(f"{short_repr(text)} is not a whole number")
    return int(number)


def to_int(value: Any) -> Any:
    """Coerce a JSON value to a 64-bit int; pass None through.

    Raises:
        ValueError: the value is not a whole number in the int64 range.
    """
    if value is None:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return _in_int64(value)
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return _in_int64(int(value))
    if isinstance(value, str):
        return _in_int64(_parse_int(value))
    raise ValueError(f"{short_repr(value)} is not a whole number")


def to_float(value: Any) -> Any:
    """Coerce a JSON value to float; pass None through.

    Raises:
        ValueError: the value is not a finite number.
    """
    if value is None:
        return value
    if isinstance(value, bool):
        raise ValueError(f"{short_repr(value)} is not a number")
    if isinstance(value, int | float):
        try:
            return _finite(float(value))
        except OverflowError:
            raise ValueError("must be a finite number") from None
    if isinstance(value, str):
        return _finite(float(_number_text(value, "a finite number")))
    raise ValueError(f"{short_repr(value)} is not a number")


#: Cerberus type name -> the coercer roost adds when the schema names none.
COERCERS: Mapping[str, Callable[[Any], Any]] = {
    "integer": to_int,
    "float": to_float,
    "number": to_float,
}
