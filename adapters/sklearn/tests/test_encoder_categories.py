"""Tests of roost_sklearn.encoder_categories: what strict encoders accept."""

from __future__ import annotations

import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler
from sklearn_models import FEATURES, NUMBERS, STRINGS, price_band

from roost_sklearn.encoder_categories import strict_categories
from roost_sklearn.schema_inference import add_categories, infer_schema


def fit(
    encoder: object, fitted: pd.DataFrame, strings: list[str] | list[int]
) -> Pipeline:
    """Fit a pipeline reading the string columns with `encoder` behind an imputer."""
    columns = ColumnTransformer(
        [
            (
                "s",
                make_pipeline(SimpleImputer(strategy="most_frequent"), encoder),
                strings,
            ),
            ("n", make_pipeline(SimpleImputer(), StandardScaler()), NUMBERS),
        ]
    )
    model = make_pipeline(columns, LogisticRegression(max_iter=500))
    return model.fit(fitted[FEATURES], price_band(fitted["SalePrice"]))


class TestStrictCategories:
    """Columns read by encoders that refuse unknown values get their categories."""

    def test_one_hot_encoder_that_refuses_unknowns(
        self, band_model: Pipeline, fitted: pd.DataFrame
    ) -> None:
        """Every string column of the band pipeline: the fitted values, sorted."""
        found = strict_categories(band_model, FEATURES)
        assert set(found) == set(STRINGS)
        assert found["Neighborhood"] == sorted(fitted["Neighborhood"].unique())
        assert found["BsmtQual"] == sorted(fitted["BsmtQual"].dropna().unique())

    def test_encoder_that_ignores_unknowns(self, fitted: pd.DataFrame) -> None:
        """An encoder accepting any value restricts nothing."""
        model = fit(OneHotEncoder(handle_unknown="ignore"), fitted, STRINGS)
        assert strict_categories(model, FEATURES) == {}

    def test_ordinal_encoder_and_column_positions(self, fitted: pd.DataFrame) -> None:
        """An OrdinalEncoder counts too, and columns chosen by position resolve."""
        model = fit(OrdinalEncoder(), fitted, [0, 1])
        found = strict_categories(model, FEATURES)
        assert set(found) == {"MSZoning", "Neighborhood"}

    def test_schema_lists_them(
        self, band_model: Pipeline, fitted: pd.DataFrame
    ) -> None:
        """A column with too many values to list from the data lists the encoder's."""
        schema = infer_schema(fitted[FEATURES])
        assert "allowed" not in schema["Neighborhood"]
        add_categories(schema, strict_categories(band_model, FEATURES))
        assert schema["Neighborhood"]["allowed"] == sorted(
            fitted["Neighborhood"].unique()
        )
        assert schema["MSZoning"]["allowed"] == ["C (all)", "FV", "RL", "RM"]
