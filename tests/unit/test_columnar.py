"""Column-wise validation gives exactly what record-by-record cerberus gives."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roost.core.serving.coercion import COERCERS
from roost.core.serving.column_checks import MISSING, SMALL_BATCH, compile_checks
from roost.core.serving.validation import RecordValidator
from roost_house_prices.schema import INPUT_SCHEMA

NAMES = ["a", "b", "c", "d"]

#: JSON-ish values, biased towards the edges the checks must get right.
values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, 1, -1, 2**53, 2**53 + 1, 2**63, -(2**63) - 1, 10, 20, 190]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.5, 2.0, -0.0, 1e308, 1e-300, 9.999999, 10.000001]),
    st.text(max_size=6),
    st.sampled_from(["", " ", "12", " 12 ", "1e3", "1_000", "nan", "x", "y", "RL"]),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
)


@st.composite
def rules(draw: st.DrawFn) -> dict[str, Any]:
    """One field's cerberus rules, from the set the columnar checks compile."""
    kind = draw(st.sampled_from(["integer", "float", "number", "string", "boolean"]))
    field: dict[str, Any] = {"type": kind}
    for rule in ("required", "nullable"):
        if draw(st.booleans()):
            field[rule] = draw(st.booleans())
    if kind in {"integer", "float", "number"}:
        bounds = st.one_of(st.integers(-50, 50), st.floats(-50, 50))
        if draw(st.booleans()):
            field["min"] = draw(bounds)
        if draw(st.booleans()):
            field["max"] = draw(bounds)
    if kind == "string":
        if draw(st.booleans()):
            field["allowed"] = draw(
                st.lists(st.sampled_from(["x", "y", "", "RL", "12"]), max_size=3)
            )
        if draw(st.booleans()):
            field["empty"] = draw(st.booleans())
    return field


schemas = st.dictionaries(st.sampled_from(NAMES), rules(), min_size=1, max_size=4)
records = st.lists(
    st.one_of(
        st.dictionaries(st.sampled_from([*NAMES, "extra"]), values, max_size=5),
        values,
    ),
    max_size=12,
)


def _same_frames(left: pd.DataFrame, right: pd.DataFrame) -> None:
    assert list(left.columns) == list(right.columns)
    assert left.dtypes.astype(str).tolist() == right.dtypes.astype(str).tolist()
    for column in left.columns:
        for a, b in zip(left[column].tolist(), right[column].tolist(), strict=True):
            if isinstance(a, float) and math.isnan(a):
                assert isinstance(b, float) and math.isnan(b)
            else:
                assert a == b and type(a) is type(b)


class TestEquivalence:
    """The columnar path is an optimisation only: same problems, rows and frame."""

    @settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
    @given(schema=schemas, batch=records)
    def test_same_outcome_as_cerberus_record_by_record(
        self, schema: dict[str, dict[str, Any]], batch: list[Any]
    ) -> None:
        """Problems (to the word), valid rows and the frame equal plain cerberus."""
        validator = RecordValidator(schema)
        assert validator.columnar
        fast = validator.validate(batch)
        plain = validator._validate_each(batch)
        assert fast.problems == plain.problems
        assert fast.valid_rows == plain.valid_rows
        _same_frames(fast.frame, plain.frame)

    @settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
    @given(schema=schemas, batch=records.filter(bool))
    def test_large_batches_take_the_numpy_path(
        self, schema: dict[str, dict[str, Any]], batch: list[Any]
    ) -> None:
        """Batches over SMALL_BATCH (checked with numpy) agree with cerberus too."""
        big = batch * (SMALL_BATCH // len(batch) + 1)
        assert len(big) > SMALL_BATCH
        validator = RecordValidator(schema)
        fast, plain = validator.validate(big), validator._validate_each(big)
        assert fast.problems == plain.problems
        assert fast.valid_rows == plain.valid_rows
        _same_frames(fast.frame, plain.frame)

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        batch=st.lists(
            st.dictionaries(st.sampled_from(list(INPUT_SCHEMA)), values, max_size=24),
            max_size=6,
        )
    )
    def test_house_prices_schema(self, batch: list[dict[str, Any]]) -> None:
        """The bundled adapter's 24-field schema compiles and agrees with cerberus."""
        validator = RecordValidator(INPUT_SCHEMA)
        assert validator.columnar
        fast, plain = validator.validate(batch), validator._validate_each(batch)
        assert fast.problems == plain.problems
        assert fast.valid_rows == plain.valid_rows
        _same_frames(fast.frame, plain.frame)


class TestCompile:
    """Only schemas the checks fully understand are compiled."""

    @pytest.mark.parametrize(
        "field",
        [
            {"type": "string", "regex": "a+"},
            {"type": "list"},
            {"type": ["integer", "string"]},
            {"type": "integer", "coerce": int},
            {"type": "integer", "min": 2**60},
            {"type": "string", "min": 1},
            {"type": "integer", "allowed": [1, 2]},
            {"type": "float", "max": True},
        ],
    )
    def test_unsupported_rules_fall_back_to_cerberus(
        self, field: dict[str, Any]
    ) -> None:
        """A rule the checks cannot prove leaves the whole schema to cerberus."""
        assert compile_checks({"f": field}, COERCERS) is None
        assert RecordValidator({"f": field}).columnar is False

    def test_missing_is_a_singleton_sentinel(self) -> None:
        """MISSING is one object with a readable repr."""
        assert repr(MISSING) == "MISSING"
