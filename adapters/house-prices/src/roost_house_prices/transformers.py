"""scikit-learn transformers for the house-prices feature engineering steps.

Each transformer takes and returns a pandas DataFrame, copies its input before
changing it (never mutating the caller's frame), and learns its state in
attributes ending with an underscore, as scikit-learn expects.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Self

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

__all__ = [
    "CategoricalImputer",
    "DropFeatures",
    "LogTransformer",
    "NumericalImputer",
    "PipelineInputError",
    "RareLabelEncoder",
    "TargetOrderEncoder",
    "TemporalTransformer",
]

#: Label given to missing categorical values.
MISSING_LABEL = "Missing"
#: Label pooling infrequent categorical values.
RARE_LABEL = "Rare"


class PipelineInputError(ValueError):
    """An input value the fitted pipeline cannot transform."""


class _FrameTransformer(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Base of the transformers below: a list of columns, nothing to learn."""

    def __init__(self, variables: Sequence[str]) -> None:
        self.variables = variables

    def fit(self, X: pd.DataFrame, y: pd.Series | None = None) -> Self:  # noqa: N803
        """Learn nothing; return the transformer."""
        del X, y
        return self


class CategoricalImputer(_FrameTransformer):
    """Replace missing values of categorical columns with the label "Missing"."""

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:  # noqa: N803
        """Return a copy of `X` with missing labels filled."""
        X = X.copy()  # noqa: N806
        for var in self.variables:
            column = X[var]
            if pd.api.types.is_numeric_dtype(column):
                # NOTE: a column of only missing values may arrive as float64,
                # which pandas refuses to fill with a string.
                column = column.astype(object)
            X[var] = column.fillna(MISSING_LABEL)
        return X


class NumericalImputer(_FrameTransformer):
    """Replace missing values of numerical columns with their training mode."""

    def fit(self, X: pd.DataFrame, y: pd.Series | None = None) -> Self:  # noqa: N803
        """Learn each column's most frequent value."""
        del y
        self.imputer_dict_: dict[str, Any] = {
            var: X[var].mode()[0] for var in self.variables
        }
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:  # noqa: N803
        """Return a copy of `X` with missing numbers filled."""
        check_is_fitted(self, "imputer_dict_")
        X = X.copy()  # noqa: N806
        for var in self.variables:
            # NOTE: assign the result; under copy-on-write (pandas 3) an inplace
            # fillna on a column selection leaves the frame unchanged.
            X[var] = X[var].fillna(self.imputer_dict_[var])
        return X


class TemporalTransformer(_FrameTransformer):
    """Turn year columns into the number of years before a reference year."""

    def __init__(self, variables: Sequence[str], reference_variable: str) -> None:
        super().__init__(variables)
        self.reference_variable = reference_variable

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:  # noqa: N803
        """Return a copy of `X` with each year replaced by reference - year."""
        X = X.copy()  # noqa: N806
        for var in self.variables:
            X[var] = X[self.reference_variable] - X[var]
        return X


class RareLabelEncoder(_FrameTransformer):
    """Pool labels seen in fewer than `tol` of the training rows as "Rare"."""

    def __init__(self, variables: Sequence[str], tol: float = 0.05) -> None:
        super().__init__(variables)
        self.tol = tol

    def fit(self, X: pd.DataFrame, y: pd.Series | None = None) -> Self:  # noqa: N803
        """Learn each column's frequent labels."""
        del y
        self.encoder_dict_: dict[str, list[Any]] = {}
        for var in self.variables:
            shares = X[var].value_counts() / len(X)
            self.encoder_dict_[var] = list(shares[shares >= self.tol].index)
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:  # noqa: N803
        """Return a copy of `X` with infrequent or unseen labels set to "Rare"."""
        check_is_fitted(self, "encoder_dict_")
        X = X.copy()  # noqa: N806
        for var in self.variables:
            frequent = X[var].isin(self.encoder_dict_[var])
            X[var] = np.where(frequent, X[var], RARE_LABEL)
        return X


class TargetOrderEncoder(_FrameTransformer):
    """Replace labels by their rank in mean target, lowest mean first."""

    def fit(self, X: pd.DataFrame, y: pd.Series | None = None) -> Self:  # noqa: N803
        """Learn each column's label -> rank mapping from the target `y`.

        Raises:
            ValueError: no target was given.
        """
        if y is None:
            raise ValueError(f"{type(self).__name__}.fit needs the target y")
        target = pd.Series(np.asarray(y), index=X.index, name="__target__")
        joined = pd.concat([X, target], axis=1)
        self.encoder_dict_: dict[str, dict[Any, int]] = {}
        for var in self.variables:
            order = joined.groupby(var)[target.name].mean().sort_values().index
            self.encoder_dict_[var] = {label: i for i, label in enumerate(order)}
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:  # noqa: N803
        """Return a copy of `X` with labels mapped to their ranks.

        Raises:
            PipelineInputError: a label was not seen in training.
        """
        check_is_fitted(self, "encoder_dict_")
        X = X.copy()  # noqa: N806
        for var in self.variables:
            mapping = self.encoder_dict_[var]
            encoded = X[var].map(mapping)
            if encoded.isna().any():
                unknown = sorted({str(v) for v in X.loc[encoded.isna(), var]})
                raise PipelineInputError(
                    f"{var}: cannot encode label(s) {unknown}; known labels are "
                    f"{sorted(str(label) for label in mapping)}"
                )
            X[var] = encoded
        return X


class LogTransformer(_FrameTransformer):
    """Replace strictly positive columns by their natural logarithm."""

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:  # noqa: N803
        """Return a copy of `X` with the columns logged.

        Raises:
            PipelineInputError: a value is zero or negative.
        """
        X = X.copy()  # noqa: N806
        for var in self.variables:
            not_positive = X[var] <= 0
            if not_positive.any():
                bad = sorted(X.loc[not_positive, var].unique().tolist())
                raise PipelineInputError(
                    f"{var}: values must be strictly positive to take the log; "
                    f"got {bad}"
                )
            X[var] = np.log(X[var])
        return X


class DropFeatures(_FrameTransformer):
    """Drop columns used only to derive other features."""

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:  # noqa: N803
        """Return `X` without the columns."""
        return X.drop(columns=list(self.variables))
