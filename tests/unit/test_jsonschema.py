"""Tests for roost.core.api.jsonschema: cerberus rules as JSON Schema."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from roost.core.api.jsonschema import (
    field_schema,
    numeric_string_pattern,
    record_schema,
)
from roost.core.serving.coercion import INT64_MAX, INT64_MIN, to_int
from roost.core.serving.validation import RecordValidator

#: One field of each kind roost's validator treats differently.
SCHEMA: dict[str, dict[str, Any]] = {
    "rooms": {"type": "integer", "required": True, "min": 1, "max": 20},
    "area": {"type": "float", "required": True, "min": 0.5, "max": 1e4},
    "zone": {"type": "string", "allowed": ["RL", "RM"], "nullable": True},
    "garage": {"type": "integer", "nullable": True},
    "code": {"type": "string", "regex": "[A-Z]{2}[0-9]", "maxlength": 3},
    "paved": {"type": "boolean"},
}
VALID = {"rooms": 3, "area": 120.5, "zone": "RL", "code": "AB1", "paved": True}


def accepted_by_doc(schema: dict[str, Any], record: dict[str, Any]) -> bool:
    """Say whether the converted schema accepts `record`."""
    return Draft202012Validator(record_schema(schema)).is_valid(record)


def accepted_by_server(schema: dict[str, Any], record: dict[str, Any]) -> bool:
    """Say whether roost's own validator accepts `record`."""
    return not RecordValidator(schema).validate([record]).problems


class TestFieldSchema:
    """One cerberus field becomes one JSON Schema."""

    @pytest.mark.parametrize(
        ("kind", "expected"),
        [
            ("string", "string"),
            ("boolean", "boolean"),
            ("list", "array"),
            ("dict", "object"),
        ],
    )
    def test_plain_types_map_to_json_types(self, kind: str, expected: str) -> None:
        """Non-numeric cerberus types map to their JSON Schema names."""
        assert field_schema({"type": kind}) == {"type": expected}

    @pytest.mark.parametrize(
        ("kind", "expected"),
        [("integer", "integer"), ("float", "number"), ("number", "number")],
    )
    def test_numbers_name_the_canonical_type_first(
        self, kind: str, expected: str
    ) -> None:
        """A numeric field's first branch is its canonical JSON type."""
        schema = field_schema({"type": kind, "min": 1, "max": 9})
        canonical, spelled = schema["anyOf"]
        assert canonical == {"type": expected, "minimum": 1, "maximum": 9}
        assert spelled["type"] == "string"

    def test_unbounded_integers_get_the_int64_range(self) -> None:
        """An integer field without bounds is bounded as the server bounds it."""
        canonical = field_schema({"type": "integer"})["anyOf"][0]
        assert (canonical["minimum"], canonical["maximum"]) == (INT64_MIN, INT64_MAX)

    def test_nullable_adds_null_to_the_type(self) -> None:
        """`nullable` becomes a type list ending in null (OpenAPI 3.1 style)."""
        assert field_schema({"type": "string", "nullable": True}) == {
            "type": ["string", "null"]
        }

    def test_nullable_allowed_values_admit_null(self) -> None:
        """A nullable field with allowed values lists null in its enum too."""
        schema = field_schema(
            {"type": "string", "allowed": ["a", "b"], "nullable": True}
        )
        assert schema == {"type": ["string", "null"], "enum": ["a", "b", None]}

    def test_nullable_numbers_add_a_null_branch(self) -> None:
        """A nullable numeric field accepts null beside its two branches."""
        assert field_schema({"type": "float", "nullable": True})["anyOf"][-1] == {
            "type": "null"
        }

    def test_string_rules_map_to_their_keywords(self) -> None:
        """minlength, maxlength, empty and regex map to JSON Schema keywords."""
        rules = {"type": "string", "minlength": 2, "maxlength": 5, "regex": "a|b"}
        assert field_schema(rules) == {
            "type": "string",
            "minLength": 2,
            "maxLength": 5,
            "pattern": "^(?:a|b)$",
        }
        assert field_schema({"type": "string", "empty": False})["minLength"] == 1

    def test_list_rules_apply_to_items(self) -> None:
        """A list's allowed values constrain its items; lengths count items."""
        schema = field_schema({"type": "list", "allowed": ["x", "y"], "maxlength": 2})
        assert schema == {"type": "array", "maxItems": 2, "items": {"enum": ["x", "y"]}}

    def test_nested_schemas_become_items_and_properties(self) -> None:
        """`schema` describes a list's items or a dict's fields."""
        listed = field_schema({"type": "list", "schema": {"type": "boolean"}})
        nested = field_schema(
            {"type": "dict", "schema": {"a": {"type": "boolean", "required": True}}}
        )
        assert listed["items"] == {"type": "boolean"}
        assert nested["properties"] == {"a": {"type": "boolean"}}
        assert nested["required"] == ["a"]

    def test_unknown_types_lift_the_type_constraint(self) -> None:
        """A type JSON has no name for (datetime) constrains nothing."""
        assert field_schema({"type": "datetime"}) == {}

    def test_annotations_are_kept(self) -> None:
        """`meta` text and plain defaults become description and default."""
        schema = field_schema({"type": "boolean", "default": False, "meta": "a flag"})
        assert schema == {"type": "boolean", "description": "a flag", "default": False}

    def test_forbidden_values_are_negated(self) -> None:
        """`forbidden` becomes a `not` of an enum."""
        assert field_schema({"type": "string", "forbidden": ["x"]})["not"] == {
            "enum": ["x"]
        }


class TestRecordSchema:
    """A record is an object of fields; unknown fields pass."""

    def test_record_lists_required_fields_and_allows_others(self) -> None:
        """Required fields are listed; additionalProperties stays true."""
        schema = record_schema(SCHEMA)
        assert schema["required"] == ["rooms", "area"]
        assert schema["additionalProperties"] is True
        assert list(schema["properties"]) == list(SCHEMA)

    def test_the_schema_is_valid_json_schema(self) -> None:
        """The converted schema passes the 2020-12 metaschema."""
        Draft202012Validator.check_schema(record_schema(SCHEMA))

    @pytest.mark.parametrize(
        "change",
        [
            {},
            {"rooms": "12"},
            {"rooms": 12.0},
            {"area": "7"},
            {"zone": None},
            {"extra": [1, 2]},
            {"garage": None},
        ],
    )
    def test_what_the_document_accepts_the_server_accepts(
        self, change: dict[str, Any]
    ) -> None:
        """Records the schema accepts pass roost's validator too."""
        record = {**VALID, **change}
        assert accepted_by_doc(SCHEMA, record)
        assert accepted_by_server(SCHEMA, record)

    @pytest.mark.parametrize(
        "change",
        [
            {"rooms": 0},
            {"rooms": "21"},
            {"rooms": True},
            {"rooms": 2.5},
            {"area": 0.1},
            {"zone": "RX"},
            {"code": "ab1"},
            {"code": "AB12"},
            {"paved": "yes"},
        ],
    )
    def test_what_the_document_refuses_the_server_refuses(
        self, change: dict[str, Any]
    ) -> None:
        """Records the schema refuses fail roost's validator too."""
        record = {**VALID, **change}
        assert not accepted_by_doc(SCHEMA, record)
        assert not accepted_by_server(SCHEMA, record)

    @settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
    @given(
        value=st.one_of(
            st.integers(min_value=-100, max_value=100),
            st.integers(min_value=-100, max_value=100).map(str),
            st.integers(min_value=0, max_value=30).map(lambda n: f"+00{n}.0"),
            st.floats(allow_nan=False, allow_infinity=False, width=32),
            st.booleans(),
            st.text(alphabet="0123456789+-. ", max_size=4),
        )
    )
    def test_integer_fields_agree_with_the_server(self, value: Any) -> None:
        """For numbers and plain number strings, document and server agree."""
        record = {**VALID, "rooms": value}
        if isinstance(value, str) and not re.fullmatch(r"[+-]?[0-9]+(\.0*)?", value):
            # Decimals and odd spellings are a documented gap: only check soundness.
            assert not accepted_by_doc(SCHEMA, record) or accepted_by_server(
                SCHEMA, record
            )
            return
        assert accepted_by_doc(SCHEMA, record) == accepted_by_server(SCHEMA, record)


class TestNumericStringPattern:
    """The string branch matches the whole numbers in the bounds, as text."""

    @pytest.mark.parametrize(
        ("low", "high"),
        [
            (0, 0),
            (0, 9),
            (1, 10),
            (20, 190),
            (1800, 2100),
            (-5, 5),
            (-1000, -3),
            (7, 12345),
        ],
    )
    def test_pattern_matches_exactly_the_range(self, low: int, high: int) -> None:
        """Every spelling of an in-range number matches; out-of-range ones do not."""
        pattern = re.compile(str(numeric_string_pattern(low, high)))
        for number in range(low - 30, high + 30):
            for text in (str(number), f"{number}.0", f"{number}.", _padded(number)):
                inside = low <= to_int(text) <= high
                assert bool(pattern.search(text)) is inside, text

    def test_fractional_bounds_round_inwards(self) -> None:
        """A float range spells the whole numbers inside it."""
        pattern = re.compile(str(numeric_string_pattern(0.01, 2.5)))
        assert [text for text in ("0", "1", "2", "3") if pattern.search(text)] == [
            "1",
            "2",
        ]

    def test_a_range_without_whole_numbers_has_no_pattern(self) -> None:
        """No string branch is offered when no whole number fits."""
        assert numeric_string_pattern(0.1, 0.9) is None

    def test_decimals_and_exponents_are_not_described(self) -> None:
        """Fractions and exponents stay outside the pattern."""
        pattern = re.compile(str(numeric_string_pattern(-10, 10)))
        assert not any(
            pattern.search(text) for text in ("1.5", "1e1", " 1", "", "+", "0x1")
        )


def _padded(number: int) -> str:
    return f"-00{-number}" if number < 0 else f"+00{number}"
