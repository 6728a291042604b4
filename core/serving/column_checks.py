"""Column-wise validity checks over a whole batch, conservative next to cerberus.

A `ColumnarCheck` looks at one schema field across every record at once,
with set operations and numpy, and marks the values it can prove valid. It
never marks a value valid that cerberus (with roost's coercers) would reject;
anything it cannot prove goes back to cerberus, which also words the errors.
Schemas with rules outside the supported set are not compiled at all.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["MISSING", "ColumnarCheck", "compile_checks"]

#: Batches up to this size are checked value by value, in plain Python.
SMALL_BATCH = 32
#: Integers below this are exact in float64.
EXACT_FLOAT = 2.0**53
#: Larger Python ints cannot become float64 at all.
FLOAT_LIMIT = 2**1023
_SUPPORTED_RULES = frozenset(
    {"type", "required", "nullable", "allowed", "min", "max", "empty", "meta"}
)
_NUMERIC = frozenset({"integer", "float", "number"})
_KINDS = _NUMERIC | {"string", "boolean"}
#: Value types numpy turns into float64 as Python would (None into NaN).
_READ_BY_NUMPY = frozenset({int, float, type(None)})


class _Missing:
    """The value of a field a record does not carry."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING = _Missing()


@dataclass(frozen=True)
class ColumnarCheck:
    """The provable part of one field's rules."""

    field: str
    kind: str
    required: bool
    nullable: bool
    allowed: frozenset[Any] | None
    minimum: float | None
    maximum: float | None
    #: The `empty` rule, None when absent (then "" is checked like any string).
    empty: bool | None

    def valid(self, values: Sequence[Any]) -> np.ndarray:
        """Return a boolean mask: True where the value is certainly valid."""
        return self.checked(values)[0]

    def checked(self, values: Sequence[Any]) -> tuple[np.ndarray, np.ndarray | None]:
        """Return the mask of `valid`, and the values as float64 if it read them.

        Numbers read for the range checks (None and MISSING as NaN) are what
        a float64 column of the valid values holds, so the frame can reuse them.
        """
        if len(values) <= SMALL_BATCH:
            # numpy's fixed cost per call outweighs its speed on a few values
            mask = np.array([self.value_ok(value) for value in values], dtype=bool)
            return mask, None
        fine_types = {bool} if self.kind == "boolean" else _python_types(self.kind)
        passing_types = set(fine_types)
        if self.nullable:
            passing_types.add(type(None))
        if not self.required:
            passing_types.add(_Missing)
        # Strings with allowed values are hashed for that check anyway.
        distinct = _distinct(values) if self._checks_strings else None
        # The types of the distinct values when at hand: far fewer to look at.
        present = set(map(type, values if distinct is None else distinct))
        if present <= passing_types:
            mask = np.ones(len(values), dtype=bool)
        else:
            mask = np.fromiter(
                (type(value) in passing_types for value in values),
                dtype=bool,
                count=len(values),
            )
        if self.kind in _NUMERIC:
            numeric = _as_float64(values, present)
            return self._numbers(values, mask, numeric), numeric
        if self.kind == "string":
            return self._strings(values, mask, distinct), None
        return mask, None

    def value_ok(self, value: Any) -> bool:
        """Say whether one value is certainly valid (the rules of `valid`)."""
        if value is MISSING or value is None:
            return not self.required if value is MISSING else self.nullable
        if self.kind == "string":
            return type(value) is str and self._string_passes(value)
        if self.kind == "boolean":
            return type(value) is bool
        return self._number_ok(value)

    def _number_ok(self, value: Any) -> bool:
        kind = type(value)
        if kind is float:
            exact = math.isfinite(value) and (
                self.kind != "integer"
                or (value.is_integer() and abs(value) < EXACT_FLOAT)
            )
        elif kind is int:
            limit = EXACT_FLOAT if self.kind == "integer" else FLOAT_LIMIT
            exact = -limit < value < limit
        else:
            exact = False
        if not exact:
            return False
        number = float(value)
        above = self.minimum is None or number >= self.minimum
        return above and (self.maximum is None or number <= self.maximum)

    def _numbers(
        self, values: Sequence[Any], mask: np.ndarray, numeric: np.ndarray
    ) -> np.ndarray:
        """Check range, finiteness and (for integers) wholeness, vectorised."""
        with np.errstate(invalid="ignore"):
            ok = np.isfinite(numeric)
            if self.kind == "integer":
                # Only where float64 is exact; the rest goes to cerberus.
                ok &= (numeric == np.floor(numeric)) & (np.abs(numeric) < EXACT_FLOAT)
            if self.minimum is not None:
                ok &= numeric >= self.minimum
            if self.maximum is not None:
                ok &= numeric <= self.maximum
        not_read = np.isnan(numeric)
        if not not_read.any():
            passed: np.ndarray = mask & ok
            return passed
        # NaN also marks what is no number (None, MISSING): the type mask decides.
        number = np.zeros(len(values), dtype=bool)
        for index in np.flatnonzero(not_read).tolist():
            number[index] = type(values[index]) in (int, float)
        return np.asarray(mask & (ok | (not_read & ~number)), dtype=bool)

    def _strings(
        self, values: Sequence[Any], mask: np.ndarray, distinct: set[Any] | None
    ) -> np.ndarray:
        """Check allowed values as cerberus does, once per distinct string.

        `distinct` holds the distinct values, None when some are unhashable.
        An explicit `empty` rule decides "" on its own (cerberus then skips
        `allowed`); without one, "" must be allowed like any other string.
        """
        if not self._checks_strings:
            return mask
        if distinct is None:  # lists or dicts among the values
            distinct = {value for value in values if isinstance(value, str)}
        failing = {
            value
            for value in distinct
            if isinstance(value, str) and not self._string_passes(value)
        }
        if not failing:
            return mask
        ok = np.fromiter(
            (not (isinstance(value, str) and value in failing) for value in values),
            dtype=bool,
            count=len(values),
        )
        passed: np.ndarray = mask & ok
        return passed

    @property
    def _checks_strings(self) -> bool:
        """Say whether a string can fail this field's rules (allowed, empty)."""
        return self.kind == "string" and (
            self.allowed is not None or self.empty is False
        )

    def _string_passes(self, value: str) -> bool:
        if value == "" and self.empty is not None:
            return self.empty
        return self.allowed is None or value in self.allowed


def _distinct(values: Sequence[Any]) -> set[Any] | None:
    """The distinct values, or None when some cannot be hashed (lists, dicts)."""
    try:
        return set(values)
    except TypeError:
        return None


def _as_float64(values: Sequence[Any], present: set[type]) -> np.ndarray:
    """Numbers as float64, anything else (or out of range) as NaN.

    `present` is the set of the values' types.
    """
    if present <= _READ_BY_NUMPY:
        try:
            return np.array(values, dtype=np.float64)  # None becomes NaN
        except OverflowError:
            pass
    return np.fromiter(
        (
            value
            if type(value) in (int, float) and abs(value) < FLOAT_LIMIT
            else np.nan
            for value in values
        ),
        dtype=np.float64,
        count=len(values),
    )


def _python_types(kind: str) -> set[type]:
    if kind == "string":
        return {str}
    return {int, float}


def _number(rules: Mapping[str, Any], rule: str) -> float | None:
    value = rules.get(rule)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(rule)
    return float(value)


def _compile(
    field: str, rules: Mapping[str, Any], coercer: Any
) -> ColumnarCheck | None:
    """Compile one field's rules, or None if any of them is not provable here."""
    kind = rules.get("type")
    unsupported = (
        not isinstance(kind, str)
        or kind not in _KINDS
        or bool(set(rules) - _SUPPORTED_RULES - {"coerce"})
        or ("coerce" in rules and rules["coerce"] is not coercer)
    )
    allowed = rules.get("allowed")
    if unsupported or (
        allowed is not None
        and (kind != "string" or not all(isinstance(item, str) for item in allowed))
    ):
        return None
    try:
        minimum, maximum = _number(rules, "min"), _number(rules, "max")
    except TypeError:
        return None
    bounds = [bound for bound in (minimum, maximum) if bound is not None]
    if bounds and (kind not in _NUMERIC or max(map(abs, bounds)) >= EXACT_FLOAT):
        return None
    return ColumnarCheck(
        field=field,
        kind=str(kind),
        required=bool(rules.get("required", False)),
        nullable=bool(rules.get("nullable", False)),
        allowed=frozenset(allowed) if allowed is not None else None,
        minimum=minimum,
        maximum=maximum,
        empty=None if "empty" not in rules else bool(rules["empty"]),
    )


def compile_checks(
    schema: Mapping[str, Mapping[str, Any]], coercers: Mapping[str, Any]
) -> list[ColumnarCheck] | None:
    """Compile a schema into column checks, or None if any rule is unsupported.

    `coercers` maps type names to the coercer roost adds; a field whose
    `coerce` rule is anything else is not compiled.
    """
    checks = []
    for field, rules in schema.items():
        check = _compile(field, rules, coercers.get(str(rules.get("type"))))
        if check is None:
            return None
        checks.append(check)
    return checks
