"""Column-wise validation of Arrow batches: the records path's outcome, faster."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from batch_sample import batch_job

from roost.core.batch.arrow_validation import ArrowValidator
from roost.core.batch.inputs import input_files, iter_batches, plan_pieces, to_batch
from roost.core.batch.job import scorer_for
from roost.core.serving.validation import RecordValidator, ValidatedBatch

#: Every rule the column checks compile, on each kind of field.
SCHEMA: dict[str, dict[str, Any]] = {
    "count": {"type": "integer", "required": True, "min": 0, "max": 100},
    "size": {"type": "integer", "nullable": True},
    "ratio": {"type": "float", "required": True, "min": 0.5, "max": 1e6},
    "share": {"type": "number", "nullable": True},
    "label": {"type": "string", "required": True, "allowed": ["a", "b", ""]},
    "note": {"type": "string", "nullable": True, "empty": False},
    "tag": {"type": "string", "required": True},
}

#: Values of each field, typed as a file may hold them; each list is one column.
COLUMNS: dict[str, list[pa.Array]] = {
    "count": [
        pa.array([0, 5, 100, 101, -1, None, 7, 2**60], type=pa.int64()),
        pa.array([0.0, 5.0, 2.5, math.nan, math.inf, None, 1e300, 99.0]),
        pa.array(["0", "5", " 6", "+7", "1e1", "lots", None, "123456789012345678"]),
        pa.array([1, 2, 3, 4, 5, 6, 7, 8], type=pa.uint8()),
        pa.array(["1", "2", "x", None, "1", "2", "300", "4"]).dictionary_encode(),
    ],
    "size": [
        pa.array([None, 1, -4, 2**53 + 1, 0, None, 3, 9], type=pa.int64()),
        pa.array([None, 1.0, 1.5, math.nan, -math.inf, 0.0, 3.0, 2.0**53]),
        pa.array(["", "1", "NaN", "2.0", None, "-3", "x", "9"]),
    ],
    "ratio": [
        pa.array([0.5, 0.4, 1e6, 1e7, math.nan, None, 3.25, -0.0]),
        pa.array([1, 0, 2, 3, 4, 5, 6, 7], type=pa.int32()),
        pa.array(["0.5", ".75", "7.", "1e3", "1e999", "-1", "abc", None]),
    ],
    "share": [
        pa.array([None, 0.1, math.nan, math.inf, -2.0, 1e308, 0.0, 5.5]),
        pa.array(["1", "2.5", None, "", "0x10", "3", "4", "5"]),
    ],
    "label": [
        pa.array(["a", "b", "", "c", None, "a", "B", "b"]),
        pa.array(["a", "b", "", "c", None, "a", "B", "b"]).dictionary_encode(),
        pa.array(["a"] * 8, type=pa.large_string()),
        pa.array([1, 2, 3, 4, 5, 6, 7, 8]),
    ],
    "note": [
        pa.array(["x", "", None, "long " * 30, "y", None, "z", "é"]),
        pa.array([None] * 8, type=pa.string()),
        pa.array([None] * 8),
    ],
    "tag": [
        pa.array(["t"] * 7 + [None]),
        pa.array([True, False, True, None, True, True, False, True]),
    ],
}


def _batch(choice: dict[str, int], absent: str | None = None) -> pa.RecordBatch:
    columns = {
        field: arrays[choice.get(field, 0)]
        for field, arrays in COLUMNS.items()
        if field != absent
    }
    columns["extra"] = pa.array(range(8))
    return pa.RecordBatch.from_pydict(columns)


def _assert_same(fast: ValidatedBatch, slow: ValidatedBatch) -> None:
    assert fast.valid_rows == slow.valid_rows
    assert [(row, list(found.items())) for row, found in fast.problems.items()] == [
        (row, list(found.items())) for row, found in sorted(slow.problems.items())
    ]
    assert fast.total == slow.total
    pd.testing.assert_frame_equal(fast.frame, slow.frame, check_exact=True)


def _records_path(validator: RecordValidator, batch: pa.RecordBatch) -> ValidatedBatch:
    return validator.validate_batch(to_batch(batch, SCHEMA))


def _cases() -> list[tuple[dict[str, int], str | None]]:
    cases: list[tuple[dict[str, int], str | None]] = [({}, None)]
    for field, arrays in COLUMNS.items():
        cases.extend(({field: index}, None) for index in range(1, len(arrays)))
        cases.append(({}, field))
    return cases


class TestArrowValidator:
    """Same valid rows, problems and frame as the records path, on every input."""

    @pytest.mark.parametrize(("choice", "absent"), _cases())
    def test_matches_the_records_path(
        self, choice: dict[str, int], absent: str | None
    ) -> None:
        """Each column type of each field, and each field left out, validates alike."""
        validator = RecordValidator(SCHEMA)
        batch = _batch(choice, absent)
        fast = ArrowValidator(validator, SCHEMA).validate(batch)
        slow = _records_path(validator, batch)
        if fast is None:  # a column type it leaves to the records path
            assert (choice.get("label"), choice.get("tag")) in {(3, None), (None, 1)}
            return
        _assert_same(fast, slow)

    def test_reads_files_columns_without_the_records_path(self) -> None:
        """Numbers, number texts and labels are read column-wise, nulls included."""
        validator = RecordValidator(SCHEMA)
        for choice in ({}, {"count": 4, "ratio": 2, "label": 1, "note": 1}):
            assert ArrowValidator(validator, SCHEMA).validate(_batch(choice))

    def test_a_batch_of_valid_rows_needs_no_records(self) -> None:
        """A batch the checks prove valid builds its frame from the arrays alone."""
        validator = RecordValidator(SCHEMA)
        batch = pa.RecordBatch.from_pydict(
            {
                "count": pa.array(np.arange(100) % 101),
                "ratio": pa.array(np.linspace(1, 2, 100)),
                "label": pa.array(["a", "b"] * 50).dictionary_encode(),
                "tag": pa.array(["t"] * 100),
            }
        )

        class NoRecords(RecordValidator):
            def validate(self, records: Any) -> ValidatedBatch:
                raise AssertionError("records built")

        fast = ArrowValidator(NoRecords(SCHEMA), SCHEMA).validate(batch)
        assert fast is not None
        _assert_same(fast, _records_path(validator, batch))
        assert fast.frame["count"].dtype == np.int64

    def test_repeated_values_are_validated_once(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A run of unproven values met in many rows and batches costs one record."""
        validated: list[dict[str, Any]] = []

        class Counting(RecordValidator):
            def validate(self, records: Any) -> ValidatedBatch:
                validated.extend(records)
                return super().validate(records)

        monkeypatch.setattr(
            "roost.core.batch.arrow_validation.RecordValidator", Counting
        )
        validator = RecordValidator(SCHEMA)
        fast = ArrowValidator(validator, SCHEMA)
        # " 6" is coerced to 6; "c" and "lots" are refused.
        counts = [" 6", "5", " 6", "lots"] * 25
        labels = ["a", "c", "c", "b"] * 25
        for _ in range(3):
            batch = pa.RecordBatch.from_pydict(
                {
                    "count": pa.array(counts),
                    "ratio": pa.array([1.0] * 100),
                    "label": pa.array(labels).dictionary_encode(),
                    "tag": pa.array(["t"] * 100),
                }
            )
            checked = fast.validate(batch)
            assert checked is not None
            _assert_same(checked, _records_path(validator, batch))
            assert len(checked.problems) == 100 - 25
        # One record per distinct run of the values left unproven, in all.
        assert validated == [
            {"count": " 6"},
            {"count": "lots"},
            {"label": "c"},
            {"count": " 6", "label": "c"},
        ]

    def test_uncompiled_schema_takes_the_records_path(self) -> None:
        """A schema the column checks cannot express gets None."""
        schema = {"x": {"type": "integer", "regex": "[0-9]+"}}
        fast = ArrowValidator(RecordValidator(schema), schema)
        assert fast.validate(pa.RecordBatch.from_pydict({"x": [1]})) is None


class TestHousePricesBatches:
    """The house-prices sample, invalid rows included, validates alike."""

    @pytest.mark.parametrize("kind", ["parquet", "csv"])
    def test_every_batch_matches_the_records_path(
        self, kind: str, batch_inputs: dict[str, Path], house_prices_model_dir: Path
    ) -> None:
        """Every batch of both file formats: same rows, problems and frame."""
        job = batch_job(house_prices_model_dir)
        scorer = scorer_for(job)
        invalid = 0
        for piece in plan_pieces(input_files(batch_inputs[kind]), 128):
            for batch in iter_batches(piece, list(scorer.schema), 128, "Id"):
                assert scorer.arrow_validator.validate(batch) is not None
                fast = scorer.validate(batch)
                _assert_same(fast, scorer.validate(batch, columnar=False))
                invalid += len(fast.problems)
        assert invalid == 4
