"""Infer a model's input schema (cerberus rules for one record) from its data.

The rule, column by column:

- numbers (integers or floats) are `{"type": "float"}`; booleans
  `{"type": "boolean"}`; text `{"type": "string"}`. Any other kind of column
  (dates, mixed values) is refused.
- a column with missing values is `nullable` and not `required`; a column
  without is `required`.
- a string column with at most `max_categories` distinct values (20 by
  default, `--max-categories N`; 0 turns it off) gets `allowed`: those
  values, sorted, so that an unknown category is refused by name.
- bounds only on request (`--bounds`): numbers get the data's `min` and `max`.

`add_categories` then widens `allowed` with what the estimator itself accepts:
a string column read by an encoder that refuses unknown categories
(`roost_sklearn.encoder_categories`) accepts exactly the encoder's categories,
however many, so that any other value is refused by field name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from pandas.api import types

__all__ = [
    "DEFAULT_MAX_CATEGORIES",
    "add_categories",
    "infer_schema",
    "is_number_rule",
]

DEFAULT_MAX_CATEGORIES = 20


def infer_schema(
    frame: pd.DataFrame,
    *,
    max_categories: int = DEFAULT_MAX_CATEGORIES,
    bounds: bool = False,
) -> dict[str, dict[str, Any]]:
    """Return one cerberus rule set per column of `frame`, in column order.

    Raises:
        ValueError: a column is neither numbers, booleans nor text, or
            `max_categories` is negative.
    """
    if max_categories < 0:
        raise ValueError(f"--max-categories must be 0 or more, got {max_categories}")
    schema: dict[str, dict[str, Any]] = {}
    for column in frame.columns:
        schema[str(column)] = _rules(str(column), frame[column], max_categories, bounds)
    return schema


def add_categories(
    schema: dict[str, dict[str, Any]], categories: Mapping[str, Sequence[str]]
) -> dict[str, dict[str, Any]]:
    """Let string columns with known categories accept exactly those (and the data's).

    Returns `schema`, changed in place.
    """
    for column, accepted in categories.items():
        rules = schema.get(column)
        if rules is not None and rules.get("type") == "string":
            rules["allowed"] = sorted({*rules.get("allowed", ()), *accepted})
    return schema


def is_number_rule(rules: Mapping[str, Any]) -> bool:
    """Say whether a rule set describes a number column."""
    return rules.get("type") == "float"


def _rules(
    column: str, series: pd.Series[Any], max_categories: int, bounds: bool
) -> dict[str, Any]:
    missing = bool(series.isna().any())
    present = series.dropna()
    rules: dict[str, Any]
    if types.is_bool_dtype(series.dtype) or _all(present, bool):
        rules = {"type": "boolean"}
    elif types.is_numeric_dtype(series.dtype):
        rules = {"type": "float"}
        if bounds and len(present):
            rules["min"] = float(present.min())
            rules["max"] = float(present.max())
    elif _is_text(series, present):
        rules = {"type": "string"}
        distinct = sorted({str(value) for value in present})
        if distinct and len(distinct) <= max_categories:
            rules["allowed"] = distinct
    else:
        raise ValueError(
            f"column {column!r} holds {series.dtype} values; roost package "
            "serves numbers, booleans and strings"
        )
    rules["required"] = not missing
    rules["nullable"] = missing
    return rules


def _is_text(series: pd.Series[Any], present: pd.Series[Any]) -> bool:
    if isinstance(series.dtype, pd.CategoricalDtype):
        return _all(present, str)
    return (types.is_string_dtype(series.dtype) or series.dtype == object) and _all(
        present, str
    )


def _all(values: pd.Series[Any], kind: type) -> bool:
    return bool(len(values)) and all(isinstance(value, kind) for value in values)
