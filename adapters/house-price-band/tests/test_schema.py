"""Tests of roost_house_price_band.schema: the cerberus input schema."""

from __future__ import annotations

import math
from typing import Any

import cerberus
import pandas as pd
import pytest

from roost_house_price_band import config
from roost_house_price_band.schema import ALLOWED_LABELS, INPUT_SCHEMA


def to_record(row: dict[str, Any]) -> dict[str, Any]:
    """Turn a DataFrame row into JSON-like data: NaN -> None, 2.0 -> 2."""
    record: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, float) and math.isnan(value):
            record[key] = None
        elif INPUT_SCHEMA[key]["type"] == "integer" and isinstance(value, float):
            record[key] = int(value)
        else:
            record[key] = value
    return record


def records_of(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The model inputs of every row of `frame`, as records."""
    rows = frame[list(config.FEATURES)].to_dict(orient="records")
    return [to_record({str(key): value for key, value in row.items()}) for row in rows]


@pytest.fixture
def valid_record(test_data: pd.DataFrame) -> dict[str, Any]:
    """The inputs of test.csv's first house, a valid record."""
    return records_of(test_data.head(1))[0]


class TestSchemaShape:
    """The schema covers the model's inputs with plain cerberus rules."""

    def test_fields_are_the_features(self) -> None:
        """The schema has exactly the 10 model inputs."""
        assert sorted(INPUT_SCHEMA) == sorted(config.FEATURES)

    def test_schema_is_well_formed(self) -> None:
        """Cerberus accepts the schema as a definition."""
        cerberus.Validator(INPUT_SCHEMA)

    def test_nullable_fields_are_optional(self) -> None:
        """Exactly the inputs the pipeline imputes are nullable and optional."""
        nullable = {var for var, rules in INPUT_SCHEMA.items() if rules["nullable"]}
        optional = {var for var, rules in INPUT_SCHEMA.items() if not rules["required"]}
        assert nullable == optional == set(config.NULLABLE_VARS)

    def test_labels_have_allowed_lists(self) -> None:
        """Every label input lists its allowed labels; no number does."""
        allowed = {var for var, rules in INPUT_SCHEMA.items() if "allowed" in rules}
        assert allowed == set(config.CATEGORICAL_VARS)


class TestAllowedLabels:
    """The literal label lists match the packaged training data."""

    @pytest.mark.parametrize("var", config.CATEGORICAL_VARS)
    def test_labels_equal_train_csv(self, var: str, train_data: pd.DataFrame) -> None:
        """A label input's allowed labels are train.csv's sorted distinct values."""
        assert ALLOWED_LABELS[var] == sorted(train_data[var].dropna().unique())
        assert INPUT_SCHEMA[var]["allowed"] == ALLOWED_LABELS[var]


class TestRecords:
    """Whole records and single-field rules."""

    def test_test_csv_rows(self, test_data: pd.DataFrame) -> None:
        """1458 of test.csv's 1459 houses pass; Id 1556 lacks its KitchenQual."""
        failures = {}
        for house, record in zip(test_data["Id"], records_of(test_data), strict=True):
            validator = cerberus.Validator(INPUT_SCHEMA)
            if not validator.validate(record):
                failures[int(house)] = validator.errors
        assert failures == {1556: {"KitchenQual": ["null value not allowed"]}}

    def test_unknown_label_is_refused_by_name(
        self, valid_record: dict[str, Any]
    ) -> None:
        """A neighbourhood outside the list fails that field, quoting the label."""
        validator = cerberus.Validator(INPUT_SCHEMA)
        assert not validator.validate(valid_record | {"Neighborhood": "Downtown"})
        assert set(validator.errors) == {"Neighborhood"}
        assert "Downtown" in validator.errors["Neighborhood"][0]

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("OverallQual", 0),
            ("GrLivArea", 0),
            ("YearBuilt", 1700),
            ("TotalBsmtSF", -1),
            ("GarageCars", 2.5),
            ("LotFrontage", 0.0),
            ("HouseStyle", "3Story"),
            ("KitchenQual", None),
            ("GarageFinish", "Done"),
        ],
    )
    def test_bad_value_is_refused(
        self, field: str, value: object, valid_record: dict[str, Any]
    ) -> None:
        """An out-of-range, unknown or null-but-required value fails its field."""
        validator = cerberus.Validator(INPUT_SCHEMA)
        assert not validator.validate(valid_record | {field: value})
        assert set(validator.errors) == {field}

    def test_optional_fields_may_be_absent_or_null(
        self, valid_record: dict[str, Any]
    ) -> None:
        """A record may leave out, or send null for, every nullable input."""
        without = {
            key: value
            for key, value in valid_record.items()
            if key not in config.NULLABLE_VARS
        }
        nulls = valid_record | dict.fromkeys(config.NULLABLE_VARS)
        for record in (without, nulls):
            validator = cerberus.Validator(INPUT_SCHEMA)
            assert validator.validate(record), validator.errors

    def test_required_field_may_not_be_absent(
        self, valid_record: dict[str, Any]
    ) -> None:
        """A record without a required input fails as a required field."""
        del valid_record["YearBuilt"]
        validator = cerberus.Validator(INPUT_SCHEMA)
        assert not validator.validate(valid_record)
        assert validator.errors == {"YearBuilt": ["required field"]}
