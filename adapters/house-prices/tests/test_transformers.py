"""Tests of roost_house_prices.transformers on small hand-made frames."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from roost_house_prices.transformers import (
    CategoricalImputer,
    DropFeatures,
    LogTransformer,
    NumericalImputer,
    PipelineInputError,
    RareLabelEncoder,
    TargetOrderEncoder,
    TemporalTransformer,
)


class TestCategoricalImputer:
    """CategoricalImputer labels missing values "Missing"."""

    def test_fills_none_and_nan(self) -> None:
        """Both None and NaN become "Missing"; other labels are kept."""
        frame = pd.DataFrame({"a": ["x", None, np.nan], "b": [None, "y", "z"]})
        result = CategoricalImputer(variables=["a"]).fit(frame).transform(frame)
        assert result["a"].tolist() == ["x", "Missing", "Missing"]
        assert result["b"].isna().tolist() == [True, False, False]

    def test_leaves_input_unchanged(self) -> None:
        """The caller's frame keeps its missing values."""
        frame = pd.DataFrame({"a": ["x", None]})
        CategoricalImputer(variables=["a"]).fit(frame).transform(frame)
        assert frame["a"].isna().tolist() == [False, True]


class TestNumericalImputer:
    """NumericalImputer fills missing numbers with the training mode."""

    def test_learns_the_mode(self) -> None:
        """Fitting stores the most frequent value of each column."""
        frame = pd.DataFrame({"n": [3.0, 5.0, 5.0, np.nan, 7.0]})
        imputer = NumericalImputer(variables=["n"]).fit(frame)
        assert imputer.imputer_dict_ == {"n": 5.0}

    def test_fills_under_copy_on_write(self) -> None:
        """Transforming really fills the values (no silent inplace no-op)."""
        train = pd.DataFrame({"n": [1.0, 2.0, 2.0]})
        frame = pd.DataFrame({"n": [np.nan, 9.0]})
        result = NumericalImputer(variables=["n"]).fit(train).transform(frame)
        assert result["n"].tolist() == [2.0, 9.0]
        assert math.isnan(frame.loc[0, "n"])

    def test_fills_object_column_of_none(self) -> None:
        """A column holding only None is filled too."""
        train = pd.DataFrame({"n": [4.0, 4.0]})
        frame = pd.DataFrame({"n": [None, None]}, dtype=object)
        result = NumericalImputer(variables=["n"]).fit(train).transform(frame)
        assert result["n"].tolist() == [4.0, 4.0]


class TestTemporalTransformer:
    """TemporalTransformer measures years back from a reference year."""

    def test_subtracts_from_reference(self) -> None:
        """Each year becomes reference minus year; the reference is kept."""
        frame = pd.DataFrame({"built": [2000, 1990], "sold": [2008, 2010]})
        step = TemporalTransformer(variables=["built"], reference_variable="sold")
        result = step.fit(frame).transform(frame)
        assert result["built"].tolist() == [8, 20]
        assert result["sold"].tolist() == [2008, 2010]
        assert frame["built"].tolist() == [2000, 1990]


class TestRareLabelEncoder:
    """RareLabelEncoder pools infrequent and unseen labels as "Rare"."""

    def test_pools_labels_below_tol(self) -> None:
        """Labels with a share below tol, or unseen in fit, become "Rare"."""
        train = pd.DataFrame({"c": ["a"] * 8 + ["b"] * 1 + ["c"] * 1})
        encoder = RareLabelEncoder(variables=["c"], tol=0.1).fit(train)
        assert encoder.encoder_dict_ == {"c": ["a", "b", "c"]}
        encoder = RareLabelEncoder(variables=["c"], tol=0.15).fit(train)
        assert encoder.encoder_dict_ == {"c": ["a"]}
        frame = pd.DataFrame({"c": ["a", "b", "zzz"]})
        assert encoder.transform(frame)["c"].tolist() == ["a", "Rare", "Rare"]


class TestTargetOrderEncoder:
    """TargetOrderEncoder ranks labels by their mean target."""

    def test_ranks_by_mean_target(self) -> None:
        """The label with the lowest mean target gets 0, the next 1, and so on."""
        frame = pd.DataFrame(
            {"c": ["hi", "lo", "mid", "hi", "lo"]}, index=[5, 3, 9, 1, 0]
        )
        target = pd.Series([10.0, 1.0, 5.0, 12.0, 2.0], index=frame.index)
        encoder = TargetOrderEncoder(variables=["c"]).fit(frame, target)
        assert encoder.encoder_dict_ == {"c": {"lo": 0, "mid": 1, "hi": 2}}
        assert encoder.transform(frame)["c"].tolist() == [2, 0, 1, 2, 0]

    def test_unknown_label_raises(self) -> None:
        """A label unseen in fit raises PipelineInputError naming the column."""
        frame = pd.DataFrame({"c": ["a", "b"]})
        encoder = TargetOrderEncoder(variables=["c"]).fit(frame, pd.Series([1.0, 2.0]))
        with pytest.raises(PipelineInputError, match=r"c: cannot encode.*'new'"):
            encoder.transform(pd.DataFrame({"c": ["a", "new"]}))

    def test_fit_needs_target(self) -> None:
        """Fitting without a target raises ValueError."""
        with pytest.raises(ValueError, match="needs the target"):
            TargetOrderEncoder(variables=["c"]).fit(pd.DataFrame({"c": ["a"]}))


class TestLogTransformer:
    """LogTransformer takes natural logarithms of positive columns."""

    def test_logs_values(self) -> None:
        """Each value becomes its natural logarithm."""
        frame = pd.DataFrame({"x": [1.0, math.e], "y": [0, -1]})
        result = LogTransformer(variables=["x"]).fit(frame).transform(frame)
        assert result["x"].tolist() == pytest.approx([0.0, 1.0])
        assert frame["x"].tolist() == [1.0, math.e]

    @pytest.mark.parametrize("bad", [0.0, -3.0])
    def test_non_positive_raises(self, bad: float) -> None:
        """A zero or negative value raises PipelineInputError."""
        frame = pd.DataFrame({"x": [2.0, bad]})
        with pytest.raises(PipelineInputError, match="strictly positive"):
            LogTransformer(variables=["x"]).fit(frame).transform(frame)


class TestDropFeatures:
    """DropFeatures removes helper columns."""

    def test_drops_columns(self) -> None:
        """The named columns are gone; the others keep their order."""
        frame = pd.DataFrame({"a": [1], "b": [2], "c": [3]})
        result = DropFeatures(variables=["b"]).fit(frame).transform(frame)
        assert list(result.columns) == ["a", "c"]
        assert list(frame.columns) == ["a", "b", "c"]


class TestEstimatorConventions:
    """The transformers follow scikit-learn's parameter conventions."""

    def test_clone_keeps_parameters(self) -> None:
        """clone() rebuilds a transformer with equal parameters."""
        step = TemporalTransformer(variables=["a"], reference_variable="b")
        assert clone(step).get_params() == {
            "variables": ["a"],
            "reference_variable": "b",
        }

    def test_transform_before_fit_raises(self) -> None:
        """A learning transformer refuses to transform before fit."""
        with pytest.raises(ValueError, match="not fitted"):
            NumericalImputer(variables=["n"]).transform(pd.DataFrame({"n": [1.0]}))
