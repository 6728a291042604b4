"""Tests of roost_sklearn.schema_inference: the input schema from the data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from roost.core.serving.validation import RecordValidator
from roost_sklearn.schema_inference import infer_schema


class TestInferSchema:
    """Each column becomes number or string rules, as documented."""

    def test_numbers_and_strings(self) -> None:
        """Integers and floats are numbers; text is strings with allowed values."""
        frame = pd.DataFrame(
            {"area": [1, 2, 3], "size": [1.5, 2.0, 3.0], "z": list("aba")}
        )
        schema = infer_schema(frame)
        assert schema == {
            "area": {"type": "float", "required": True, "nullable": False},
            "size": {"type": "float", "required": True, "nullable": False},
            "z": {
                "type": "string",
                "allowed": ["a", "b"],
                "required": True,
                "nullable": False,
            },
        }

    def test_missing_values_make_nullable_optional(self) -> None:
        """A column with missing values is nullable and not required."""
        frame = pd.DataFrame({"x": [1.0, np.nan], "s": ["a", None]})
        schema = infer_schema(frame)
        for rules in schema.values():
            assert rules["nullable"] is True
            assert rules["required"] is False

    def test_many_categories_get_no_allowed(self) -> None:
        """Above max_categories distinct values, any string is accepted."""
        frame = pd.DataFrame({"s": [f"v{i}" for i in range(21)]})
        assert "allowed" not in infer_schema(frame)["s"]
        assert len(infer_schema(frame, max_categories=21)["s"]["allowed"]) == 21
        assert "allowed" not in infer_schema(frame.head(3), max_categories=0)["s"]

    def test_bounds_only_on_request(self) -> None:
        """Numbers get the data's min and max only with bounds=True."""
        frame = pd.DataFrame({"x": [3, 1, np.nan, 7]})
        assert "min" not in infer_schema(frame)["x"]
        rules = infer_schema(frame, bounds=True)["x"]
        assert (rules["min"], rules["max"]) == (1.0, 7.0)

    def test_booleans(self) -> None:
        """A boolean column is boolean."""
        assert (
            infer_schema(pd.DataFrame({"b": [True, False]}))["b"]["type"] == "boolean"
        )

    @pytest.mark.parametrize(
        "values",
        [pd.to_datetime(["2020-01-01", "2021-01-01"]), ["a", 1]],
    )
    def test_other_columns_are_refused(self, values: object) -> None:
        """Dates and mixed columns are refused by name."""
        with pytest.raises(ValueError, match="column 'd'"):
            infer_schema(pd.DataFrame({"d": values}))

    def test_negative_max_categories_is_refused(self) -> None:
        """max_categories must be 0 or more."""
        with pytest.raises(ValueError, match="max-categories"):
            infer_schema(pd.DataFrame({"s": ["a"]}), max_categories=-1)

    def test_schema_accepts_its_own_data(self, ames: pd.DataFrame) -> None:
        """The validator accepts every row of the data the schema came from."""
        schema = infer_schema(ames)
        records = ames.astype(object).where(ames.notna(), None).to_dict("records")
        assert not RecordValidator(schema).validate(records).problems
