"""Tests for roost.core.serving.validation: cerberus checks and the typed frame."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pandas as pd
import pytest
from cerberus import SchemaError

from roost.core.serving.validation import RECORD_FIELD, RecordValidator, ValidatedBatch

#: A schema with one field of each kind the frame types differently.
SCHEMA: dict[str, dict[str, Any]] = {
    "rooms": {"type": "integer", "required": True, "min": 1, "max": 20},
    "area": {"type": "float", "required": True, "min": 0},
    "floors": {"type": "integer"},
    "garage": {"type": "integer", "required": True, "nullable": True},
    "zone": {"type": "string", "allowed": ["RL", "RM"], "nullable": True},
    "score": {"type": "number"},
}

VALID = {
    "rooms": 3,
    "area": 120.5,
    "floors": 2,
    "garage": 1,
    "zone": "RL",
    "score": 7,
}


@pytest.fixture
def validator() -> RecordValidator:
    """A validator over the module's mixed-type schema."""
    return RecordValidator(SCHEMA)


def _only_problem(batch: ValidatedBatch, field: str) -> list[str]:
    """Return the reasons of the single invalid record's single field."""
    assert list(batch.problems) == [0]
    assert list(batch.problems[0]) == [field]
    return batch.problems[0][field]


class TestCoercion:
    """Records are coerced to the schema's types before they reach the frame."""

    def test_numeric_strings_are_coerced_in_the_frame(
        self, validator: RecordValidator
    ) -> None:
        """Strings and whole floats become the schema's numbers in the frame."""
        record = {
            "rooms": " 4 ",
            "area": "80",
            "floors": 2.0,
            "garage": "1.0",
            "zone": "RM",
            "score": "3",
        }
        batch = validator.validate([record])
        assert batch.problems == {}
        assert batch.valid_rows == [0]
        assert batch.frame.to_dict(orient="records") == [
            {
                "rooms": 4,
                "area": 80.0,
                "floors": 2.0,
                "garage": 1.0,
                "zone": "RM",
                "score": 3.0,
            }
        ]

    def test_frame_dtypes_follow_the_schema(self, validator: RecordValidator) -> None:
        """Required ints are int64; floats, numbers and nullable ints float64."""
        frame = validator.validate([VALID]).frame
        assert frame.dtypes.astype(str).to_dict() == {
            "rooms": "int64",
            "area": "float64",
            "floors": "float64",
            "garage": "float64",
            "zone": "object",
            "score": "float64",
        }

    def test_missing_optional_fields_are_nan_or_none(
        self, validator: RecordValidator
    ) -> None:
        """An optional field left out is NaN in a number column, None otherwise."""
        frame = validator.validate([{"rooms": 2, "area": 1.5, "garage": None}]).frame
        row = frame.iloc[0]
        assert row["rooms"] == 2
        assert pd.isna(row["floors"])
        assert pd.isna(row["garage"])
        assert row["zone"] is None
        assert pd.isna(row["score"])

    def test_required_boolean_column_is_bool(self) -> None:
        """A required, non-nullable boolean field makes a bool column."""
        validator = RecordValidator({"flag": {"type": "boolean", "required": True}})
        frame = validator.validate([{"flag": True}, {"flag": False}]).frame
        assert str(frame["flag"].dtype) == "bool"
        assert frame["flag"].tolist() == [True, False]

    def test_explicit_coerce_rule_is_kept(self) -> None:
        """A schema's own `coerce` rule wins over roost's default coercer."""
        validator = RecordValidator(
            {"n": {"type": "integer", "required": True, "coerce": len}}
        )
        batch = validator.validate([{"n": "abcd"}])
        assert batch.problems == {}
        assert batch.frame["n"].tolist() == [4]


class TestFrameShape:
    """The frame holds the valid records, one column per schema field."""

    def test_unknown_fields_are_ignored(self, validator: RecordValidator) -> None:
        """Fields outside the schema neither fail validation nor reach the frame."""
        batch = validator.validate([{**VALID, "colour": "red", "rooms_x": "bad"}])
        assert batch.problems == {}
        assert list(batch.frame.columns) == list(SCHEMA)

    def test_columns_follow_schema_order(self) -> None:
        """Columns are in schema order, whatever the records' key order."""
        validator = RecordValidator(
            {"b": {"type": "float"}, "a": {"type": "float"}, "c": {"type": "float"}}
        )
        frame = validator.validate([{"c": 3, "a": 1, "b": 2}]).frame
        assert list(frame.columns) == ["b", "a", "c"]
        assert validator.columns == ["b", "a", "c"]
        assert frame.iloc[0].tolist() == [2.0, 1.0, 3.0]

    def test_columns_property_is_a_copy(self, validator: RecordValidator) -> None:
        """Changing the returned column list does not change the validator."""
        validator.columns.append("extra")
        assert validator.columns == list(SCHEMA)

    def test_frame_holds_only_valid_rows_in_order(
        self, validator: RecordValidator
    ) -> None:
        """Invalid records are left out; valid_rows maps frame rows to indices."""
        records = [
            {**VALID, "rooms": 1},
            {**VALID, "rooms": "many"},
            {**VALID, "rooms": 5},
        ]
        batch = validator.validate(records)
        assert batch.valid_rows == [0, 2]
        assert batch.total == 3
        assert batch.frame["rooms"].tolist() == [1, 5]
        assert list(batch.problems) == [1]

    def test_small_valid_batch_keeps_its_columns_for_observers(
        self, validator: RecordValidator
    ) -> None:
        """A few valid records keep their values per field, as the frame holds them."""
        records = [{**VALID, "rooms": rooms} for rooms in (1, 2, 3)]
        batch = validator.validate(records)
        assert batch.columns is not None
        for field in SCHEMA:
            assert list(batch.columns[field]) == batch.frame[field].tolist()
        refused = validator.validate([*records, {**VALID, "rooms": "many"}])
        assert refused.columns is None  # the frame holds fewer rows than came
        many = validator.validate([VALID] * 100)
        assert many.columns is None  # large: observers read the frame

    def test_empty_batch_gives_an_empty_typed_frame(
        self, validator: RecordValidator
    ) -> None:
        """No records give a frame with no rows but every schema column."""
        batch = validator.validate([])
        assert batch.total == 0
        assert batch.valid_rows == []
        assert batch.problems == {}
        assert batch.frame.empty
        assert list(batch.frame.columns) == list(SCHEMA)
        assert str(batch.frame["rooms"].dtype) == "int64"


class TestProblems:
    """Each invalid record gets its reasons, keyed by index and field."""

    def test_problems_are_keyed_by_record_and_field(
        self, validator: RecordValidator
    ) -> None:
        """Every failing field of every failing record is reported."""
        records = [
            VALID,
            {**VALID, "rooms": 0, "area": -1},
            VALID,
            {**VALID, "zone": "XX"},
        ]
        batch = validator.validate(records)
        assert sorted(batch.problems) == [1, 3]
        assert batch.problems[1] == {
            "rooms": ["min value is 1"],
            "area": ["min value is 0"],
        }
        assert list(batch.problems[3]) == ["zone"]

    @pytest.mark.parametrize("record", [[1, 2], "rooms=3", 42, None])
    def test_non_object_record_is_a_record_problem(
        self, validator: RecordValidator, record: Any
    ) -> None:
        """A record that is not a JSON object fails under the `_record` key."""
        batch = validator.validate([VALID, record])
        assert batch.problems == {
            1: {RECORD_FIELD: ["must be an object of field values"]}
        }
        assert batch.valid_rows == [0]
        assert RECORD_FIELD == "_record"

    def test_unallowed_value_names_the_allowed_values(
        self, validator: RecordValidator
    ) -> None:
        """An unallowed value's message quotes the value and lists what is allowed."""
        reasons = _only_problem(validator.validate([{**VALID, "zone": "XX"}]), "zone")
        assert reasons == ["unallowed value 'XX'; allowed values: ['RL', 'RM']"]

    @pytest.mark.parametrize(
        ("field", "value", "reason"),
        [
            ("rooms", "lots", "'lots' is not a whole number"),
            ("rooms", 2.5, "2.5 is not a whole number"),
            ("rooms", True, "True is not a whole number"),
            ("area", "big", "'big' is not a finite number"),
            ("area", "nan", "'nan' is not a finite number"),
            ("area", False, "False is not a number"),
            ("score", [1], "[1] is not a number"),
        ],
    )
    def test_failed_coercion_gives_one_clear_reason(
        self, validator: RecordValidator, field: str, value: Any, reason: str
    ) -> None:
        """An uncoercible value gets the coercer's reason and no type error."""
        reasons = _only_problem(validator.validate([{**VALID, field: value}]), field)
        assert reasons == [reason]

    def test_wrong_type_without_coercer_says_the_type(
        self, validator: RecordValidator
    ) -> None:
        """A field type roost does not coerce still reports cerberus's type message."""
        reasons = _only_problem(validator.validate([{**VALID, "zone": 5}]), "zone")
        assert reasons == ["must be of string type"]

    @pytest.mark.parametrize("field", ["rooms", "area", "garage"])
    def test_missing_required_field(
        self, validator: RecordValidator, field: str
    ) -> None:
        """A required field left out is reported as required."""
        record = {key: value for key, value in VALID.items() if key != field}
        assert _only_problem(validator.validate([record]), field) == ["required field"]

    @pytest.mark.parametrize("field", ["rooms", "area", "floors", "score"])
    def test_null_for_non_nullable_field(
        self, validator: RecordValidator, field: str
    ) -> None:
        """A null in a field that is not nullable is refused."""
        reasons = _only_problem(validator.validate([{**VALID, field: None}]), field)
        assert reasons == ["null value not allowed"]

    def test_null_for_nullable_field_is_valid(self, validator: RecordValidator) -> None:
        """A null in a nullable field passes."""
        batch = validator.validate([{**VALID, "garage": None, "zone": None}])
        assert batch.problems == {}

    @pytest.mark.parametrize(
        ("value", "reason"),
        [(0, "min value is 1"), (21, "max value is 20"), ("21", "max value is 20")],
    )
    def test_min_and_max(
        self, validator: RecordValidator, value: Any, reason: str
    ) -> None:
        """Bounds apply to the coerced value and name the bound."""
        assert _only_problem(
            validator.validate([{**VALID, "rooms": value}]), "rooms"
        ) == [reason]

    @pytest.mark.parametrize("value", [2**63, 10**30, 1e20, "1e30"])
    def test_integer_too_large_for_int64_is_a_problem(self, value: Any) -> None:
        """A whole number beyond int64 fails its record instead of raising."""
        validator = RecordValidator({"n": {"type": "integer", "required": True}})
        batch = validator.validate([{"n": value}, {"n": 1}])
        assert batch.valid_rows == [1]
        assert batch.problems == {
            0: {"n": ["must be a whole number within the 64-bit integer range"]}
        }
        assert batch.frame["n"].tolist() == [1]

    def test_nullable_integer_too_large_for_float_is_a_problem(
        self, validator: RecordValidator
    ) -> None:
        """An int too large for a float64 column fails its record instead of raising."""
        batch = validator.validate([{**VALID, "floors": 10**400}, VALID])
        assert batch.valid_rows == [1]
        assert list(batch.problems) == [0]
        assert list(batch.problems[0]) == ["floors"]


class TestSchema:
    """The schema is checked once, when the validator is built."""

    @pytest.mark.parametrize(
        "schema",
        [
            {"x": {"type": "no-such-type"}},
            {"x": {"required": "yes"}},
            {"x": {"no_such_rule": True}},
        ],
    )
    def test_broken_schema_raises_at_construction(self, schema: dict[str, Any]) -> None:
        """A malformed cerberus schema raises SchemaError from the constructor."""
        with pytest.raises(SchemaError):
            RecordValidator(schema)

    def test_caller_schema_is_not_modified(self) -> None:
        """Adding coercers leaves the adapter's own schema untouched."""
        schema = {"x": {"type": "integer", "required": True}}
        RecordValidator(schema).validate([{"x": "1"}])
        assert schema == {"x": {"type": "integer", "required": True}}


def _batch(seed: int) -> list[Any]:
    """Return a batch mixing valid and invalid records, different per seed."""
    records: list[Any] = []
    for offset in range(12):
        n = seed * 12 + offset
        kind = n % 6
        if kind == 0:
            records.append({**VALID, "rooms": 1 + n % 20, "area": str(n)})
        elif kind == 1:
            records.append({**VALID, "rooms": "x" * (1 + n % 3)})
        elif kind == 2:
            records.append({**VALID, "zone": f"Z{n}"})
        elif kind == 3:
            records.append({"area": n, "garage": None})
        elif kind == 4:
            records.append([n])
        else:
            records.append({**VALID, "floors": float(n), "score": f" {n}.5 "})
    return records


@pytest.fixture
def fast_thread_switching() -> Iterator[None]:
    """Switch threads very often, so unsafe sharing shows up quickly."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(previous)


class TestThreadSafety:
    """One RecordValidator may be shared by every thread of a worker."""

    @pytest.mark.usefixtures("fast_thread_switching")
    def test_concurrent_batches_match_sequential_results(
        self, validator: RecordValidator
    ) -> None:
        """Eight threads validating different batches get the sequential results."""
        batches = [_batch(seed) for seed in range(8)]
        expected = [validator.validate(batch) for batch in batches]
        barrier = threading.Barrier(8)

        def work(seed: int) -> list[ValidatedBatch]:
            barrier.wait()
            return [validator.validate(batches[seed]) for _ in range(15)]

        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(work, range(8)))

        for seed, runs in enumerate(results):
            for got in runs:
                assert got.problems == expected[seed].problems
                assert got.valid_rows == expected[seed].valid_rows
                assert got.total == expected[seed].total
                pd.testing.assert_frame_equal(got.frame, expected[seed].frame)
