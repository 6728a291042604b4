"""Find the categories a fitted estimator refuses to go beyond, per input column.

A `OneHotEncoder` or `OrdinalEncoder` with `handle_unknown="error"` raises on a
category it never saw. When such an encoder reads an input column directly
(from a `ColumnTransformer` that is the estimator or the first step of its
Pipeline, behind nothing but `SimpleImputer`s, which only fill missing values),
its categories are exactly the strings that column accepts: the schema can list
them, so that an unknown category is refused by field name instead of failing
deep inside the estimator.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

__all__ = ["strict_categories"]


def strict_categories(estimator: Any, features: Sequence[str]) -> dict[str, list[str]]:
    """Return the accepted categories of each input column a strict encoder reads.

    Columns read otherwise (or by an encoder that accepts unknown values, or
    with categories that are not all strings) are absent.
    """
    found: dict[str, list[str]] = {}
    for encoder, columns in _encoders(_first_step(estimator), features):
        for index, column in enumerate(columns):
            values = [v for v in encoder.categories_[index] if not _missing(v)]
            if values and all(isinstance(value, str) for value in values):
                found[column] = sorted(values)
    return found


def _first_step(estimator: Any) -> Any:
    """The part of the estimator that sees the input columns themselves."""
    from sklearn.pipeline import Pipeline  # noqa: PLC0415

    while isinstance(estimator, Pipeline):
        estimator = estimator.steps[0][1]
    return estimator


def _encoders(step: Any, features: Sequence[str]) -> Iterator[tuple[Any, list[str]]]:
    from sklearn.compose import ColumnTransformer  # noqa: PLC0415

    if not isinstance(step, ColumnTransformer):
        return
    for _, transformer, selection in getattr(step, "transformers_", ()):
        columns = _column_names(selection, features)
        encoder = _strict_encoder(transformer)
        if (
            columns is not None
            and encoder is not None
            and len(encoder.categories_) == len(columns)
        ):
            yield encoder, columns


def _column_names(selection: Any, features: Sequence[str]) -> list[str] | None:
    """Names of the input columns a ColumnTransformer selection takes, or None."""
    if isinstance(selection, str):
        selection = [selection]
    try:
        chosen = list(selection)
    except TypeError:
        return None  # a slice, a callable: not resolved here
    if all(isinstance(item, str) for item in chosen):
        return [str(item) for item in chosen]
    if all(isinstance(item, int) and not isinstance(item, bool) for item in chosen):
        return [features[item] for item in chosen]
    return None


def _strict_encoder(transformer: Any) -> Any | None:
    """The encoder refusing unknown values that reads the columns, or None."""
    from sklearn.impute import SimpleImputer  # noqa: PLC0415
    from sklearn.pipeline import Pipeline  # noqa: PLC0415
    from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder  # noqa: PLC0415

    steps = (
        [s for _, s in transformer.steps]
        if isinstance(transformer, Pipeline)
        else [transformer]
    )
    for step in steps:
        if isinstance(step, SimpleImputer) and not step.add_indicator:
            continue
        if isinstance(step, OneHotEncoder | OrdinalEncoder):
            strict = getattr(step, "handle_unknown", None) == "error"
            return step if strict and hasattr(step, "categories_") else None
        return None
    return None


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
