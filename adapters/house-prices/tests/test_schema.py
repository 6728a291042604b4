"""Tests of roost_house_prices.schema: the cerberus input schema."""

from __future__ import annotations

import math
from typing import Any

import cerberus
import pandas as pd
import pytest

from roost_house_prices import config
from roost_house_prices.schema import ALLOWED_LABELS, INPUT_SCHEMA

#: test.csv rows (by Id) the schema must refuse, with the fields at fault.
EXPECTED_FAILURES = {
    1916: {"MSZoning"},
    2217: {"MSZoning"},
    2251: {"MSZoning"},
    2121: {"BsmtFullBath"},
    2189: {"BsmtFullBath"},
    1556: {"KitchenQual"},
    2577: {"GarageCars"},
    2905: {"MSZoning"},
}


def _integer_fields() -> set[str]:
    return {var for var, rules in INPUT_SCHEMA.items() if rules["type"] == "integer"}


def to_record(row: dict[str, Any]) -> dict[str, Any]:
    """Turn a DataFrame row into JSON-like data: NaN -> None, 2.0 -> 2."""
    integers = _integer_fields()
    record: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, float) and math.isnan(value):
            record[key] = None
        elif key in integers and isinstance(value, float) and value.is_integer():
            record[key] = int(value)
        else:
            record[key] = value
    return record


def errors_by_id(frame: pd.DataFrame) -> dict[int, dict[str, Any]]:
    """Validate every row of `frame`; return the errors of the failing rows."""
    failures: dict[int, dict[str, Any]] = {}
    for row in frame.to_dict(orient="records"):
        validator = cerberus.Validator(INPUT_SCHEMA, allow_unknown=True)
        if not validator.validate(to_record(row)):
            failures[int(row["Id"])] = validator.errors
    return failures


def valid_record(test_data: pd.DataFrame) -> dict[str, Any]:
    """Return the inputs of test.csv's first row as a record."""
    return to_record(test_data.loc[0, list(config.FEATURES)].to_dict())


class TestSchemaShape:
    """The schema covers the model's inputs with plain cerberus rules."""

    def test_fields_are_the_features(self) -> None:
        """The schema has exactly the 24 model inputs."""
        assert list(INPUT_SCHEMA) == list(config.FEATURES)

    def test_schema_is_well_formed(self) -> None:
        """Cerberus accepts the schema as a definition."""
        cerberus.Validator(INPUT_SCHEMA)

    def test_no_coerce_rules(self) -> None:
        """Type coercion is left to roost core, so no field declares coerce."""
        assert all("coerce" not in rules for rules in INPUT_SCHEMA.values())

    def test_nullable_fields_are_optional(self) -> None:
        """Exactly the inputs the pipeline imputes are nullable and optional."""
        nullable = {var for var, rules in INPUT_SCHEMA.items() if rules.get("nullable")}
        optional = {var for var, rules in INPUT_SCHEMA.items() if not rules["required"]}
        assert nullable == optional == set(config.NULLABLE_VARS)


class TestAllowedLabels:
    """The literal label lists match the packaged training data."""

    @pytest.mark.parametrize("var", config.CATEGORICAL_VARS)
    def test_labels_equal_train_csv(self, var: str, train_data: pd.DataFrame) -> None:
        """A categorical's allowed labels are train.csv's sorted distinct values."""
        assert ALLOWED_LABELS[var] == sorted(train_data[var].dropna().unique())
        assert INPUT_SCHEMA[var]["allowed"] == ALLOWED_LABELS[var]


class TestTestCsvValidation:
    """The schema reproduces the tutorial's filtering of test.csv."""

    def test_1451_rows_are_valid(self, test_data: pd.DataFrame) -> None:
        """Exactly 1451 of the 1459 test.csv rows pass the schema."""
        assert len(test_data) - len(errors_by_id(test_data)) == 1451

    def test_failures_are_on_expected_fields(self, test_data: pd.DataFrame) -> None:
        """The 8 refused rows fail on the missing non-nullable field only."""
        failures = errors_by_id(test_data)
        assert {key: set(errors) for key, errors in failures.items()} == (
            EXPECTED_FAILURES
        )
        for errors in failures.values():
            assert all(
                reasons == ["null value not allowed"] for reasons in errors.values()
            )


class TestRecordRules:
    """Single-record rules: ranges, labels and missing values."""

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("1stFlrSF", 0),
            ("GrLivArea", -5),
            ("LotFrontage", 0.0),
            ("OverallQual", 11),
            ("MSZoning", "XX"),
            ("CentralAir", None),
            ("GarageCars", 2.5),
        ],
    )
    def test_bad_value_is_refused(
        self, field: str, value: object, test_data: pd.DataFrame
    ) -> None:
        """An out-of-range, unknown or null-but-required value fails its field."""
        record = valid_record(test_data) | {field: value}
        validator = cerberus.Validator(INPUT_SCHEMA, allow_unknown=True)
        assert not validator.validate(record)
        assert set(validator.errors) == {field}

    def test_optional_fields_may_be_absent(self, test_data: pd.DataFrame) -> None:
        """A record without any nullable input is valid."""
        record = {
            key: value
            for key, value in valid_record(test_data).items()
            if key not in config.NULLABLE_VARS
        }
        validator = cerberus.Validator(INPUT_SCHEMA)
        assert validator.validate(record), validator.errors

    def test_required_field_may_not_be_absent(self, test_data: pd.DataFrame) -> None:
        """A record without a required input fails as a required field."""
        record = valid_record(test_data)
        del record["YrSold"]
        validator = cerberus.Validator(INPUT_SCHEMA)
        assert not validator.validate(record)
        assert validator.errors == {"YrSold": ["required field"]}
