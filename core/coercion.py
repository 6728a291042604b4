"""Type coercion for JSON values: "12" -> 12, 2.0 -> 2; booleans are no numbers."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["COERCERS", "to_float", "to_int"]


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value


def to_int(value: Any) -> Any:
    """Coerce a JSON value to int; pass None through.

    Raises:
        ValueError: the value is not a whole number.
    """
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text)
        except ValueError:
            pass
        try:
            number = float(text)
        except ValueError:
            raise ValueError(f"{value!r} is not a whole number") from None
        if math.isfinite(number) and number.is_integer():
            return int(number)
    raise ValueError(f"{value!r} is not a whole number")


def to_float(value: Any) -> Any:
    """Coerce a JSON value to float; pass None through.

    Raises:
        ValueError: the value is not a finite number.
    """
    if value is None:
        return value
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    if isinstance(value, int | float):
        try:
            return _finite(float(value))
        except OverflowError:
            raise ValueError("must be a finite number") from None
    if isinstance(value, str):
        try:
            return _finite(float(value.strip()))
        except ValueError:
            raise ValueError(f"{value!r} is not a finite number") from None
    raise ValueError(f"{value!r} is not a number")


#: Cerberus type name -> the coercer roost adds when the schema names none.
COERCERS: Mapping[str, Callable[[Any], Any]] = {
    "integer": to_int,
    "float": to_float,
    "number": to_float,
}
