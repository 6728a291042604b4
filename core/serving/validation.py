"""Validate records against an adapter's cerberus schema and build the frame."""

from __future__ import annotations

import dataclasses
import functools
import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from cerberus import Validator
from cerberus.errors import COERCION_FAILED, UNALLOWED_VALUE, BasicErrorHandler

from roost.core.serving.coercion import COERCERS, Shown
from roost.core.serving.column_checks import (
    MISSING,
    SMALL_BATCH,
    ColumnarCheck,
    compile_checks,
)
from roost.core.serving.input_batch import InputBatch
from roost.core.serving.typed_frames import (
    BlockPlan,
    FrameSource,
    built_frame,
    field_dtype,
    frame_from_arrays,
)

__all__ = ["RecordValidator", "ValidatedBatch"]

RECORD_FIELD = "_record"


class _ErrorHandler(BasicErrorHandler):  # type: ignore[misc] # cerberus is untyped
    """Cerberus messages, with the allowed values spelled out."""

    messages: ClassVar[dict[int, str]] = {
        **BasicErrorHandler.messages,
        UNALLOWED_VALUE.code: "unallowed value {value!r}; allowed values: {constraint}",
        COERCION_FAILED.code: "{0}",
    }

    def _format_message(self, field: Any, error: Any) -> str:
        """Format as cerberus does, but never echo a long client value back."""
        return str(
            self.messages[error.code].format(
                *error.info,
                constraint=error.constraint,
                field=field,
                value=Shown(error.value),
            )
        )


@dataclass(frozen=True)
class ValidatedBatch:
    """The outcome of validating a batch of records.

    `source` is the frame, or what builds it on first use of `frame`: a
    small batch an adapter reads through `columns` never pays for one.
    """

    source: FrameSource
    valid_rows: list[int]
    problems: dict[int, dict[str, list[str]]]
    total: int
    #: The coerced documents, when validated record by record.
    documents: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    #: The same rows as `frame`, one sequence of values per field, when a
    #: small batch was valid as it came: cheaper to read than the frame.
    columns: Mapping[str, Sequence[Any]] | None = None

    @property
    def frame(self) -> pd.DataFrame:
        """The valid rows as a typed frame in schema order (built once)."""
        return built_frame(self)


def _with_coercion(
    schema: Mapping[str, Mapping[str, Any]],
) -> dict[str, dict[str, Any]]:
    compiled = {}
    for field, rules in schema.items():
        compiled[field] = dict(rules)
        coercer = COERCERS.get(str(rules.get("type")))
        if coercer is not None and "coerce" not in rules:
            compiled[field]["coerce"] = coercer
    return compiled


def _flatten(messages: Sequence[Any]) -> list[str]:
    flat: list[str] = []
    for message in messages:
        if isinstance(message, dict):
            for key, nested in message.items():
                flat.extend(f"{key}: {text}" for text in _flatten(nested))
        else:
            flat.append(str(message))
    return flat


def _reasons(messages: Sequence[Any]) -> list[str]:
    """Flatten cerberus messages; a failed coercion already says the type."""
    reasons = _flatten(messages)
    if len(reasons) > 1:
        reasons = [
            text for text in reasons if not text.startswith("must be of ")
        ] or reasons
    return reasons


class RecordValidator:
    """Checks records against one adapter's schema; safe to share across threads.

    Schemas made of the common rules are checked column-wise over the whole
    batch first (`roost.core.serving.column_checks`); only records that cannot be proven
    valid that way go through cerberus, which coerces them and words the
    errors. The outcome equals plain cerberus on every input. Cerberus
    validators keep per-call state, so one is built per batch.
    """

    def __init__(self, schema: Mapping[str, Mapping[str, Any]]) -> None:
        self._schema = _with_coercion(schema)
        self._columns = list(self._schema)
        self._fields = tuple(self._columns)
        # Built once: an Index made per frame infers its dtype every time.
        self._column_index = pd.Index(self._columns, dtype=object)
        self._dtypes = {
            field: field_dtype(rules) for field, rules in self._schema.items()
        }
        # One C-level call per record fetches every field (at least two of them).
        self._fields_of = (
            operator.itemgetter(*self._columns) if len(self._columns) > 1 else None
        )
        self._new_validator()  # raises cerberus.SchemaError for a broken schema
        self._checks = compile_checks(self._schema, COERCERS)
        self._small_frames = BlockPlan.of(self._dtypes, self._column_index)

    @property
    def columns(self) -> list[str]:
        """Return the schema's fields, in order: the frame's columns."""
        return list(self._columns)

    @property
    def columnar(self) -> bool:
        """Say whether the schema compiled to column-wise checks."""
        return self._checks is not None

    @property
    def checks(self) -> tuple[ColumnarCheck, ...] | None:
        """Return the column-wise checks, one per field in order, or None."""
        return None if self._checks is None else tuple(self._checks)

    def dtype(self, field: str) -> str:
        """Name the numpy dtype the frame gives `field`."""
        return self._dtypes[field]

    def frame_of(self, arrays: Sequence[np.ndarray]) -> pd.DataFrame:
        """Build the frame from one typed array per field, in schema order."""
        size = len(arrays[0]) if arrays else 0
        return frame_from_arrays(list(arrays), self._column_index, size)

    def _new_validator(self) -> Validator:
        return Validator(self._schema, allow_unknown=True, error_handler=_ErrorHandler)

    def validate(self, records: Sequence[Any]) -> ValidatedBatch:
        """Validate and coerce every record; build a frame of the valid ones."""
        if self._checks is None:
            return self._validate_each(records)
        total = len(records)
        all_dicts = all(type(record) is dict for record in records)
        columns = self._complete_columns(records) if all_dicts else None
        complete = columns is not None
        if columns is not None:
            proven = np.ones(total, dtype=bool)
        elif all_dicts:
            columns = {
                field: [record.get(field, MISSING) for record in records]
                for field in self._columns
            }
            proven = np.ones(total, dtype=bool)
        else:
            columns = {
                field: [
                    record.get(field, MISSING) if type(record) is dict else MISSING
                    for record in records
                ]
                for field in self._columns
            }
            proven = np.fromiter(
                (type(record) is dict for record in records), dtype=bool, count=total
            )
        if complete and total <= SMALL_BATCH:
            small = self.validate_columns(columns, total)
            if small is not None:
                return small
        numbers = self._check_columns(columns, proven)
        if proven.all():
            return self._all_valid(columns, numbers, total, may_miss=not complete)
        doubtful = np.flatnonzero(~proven).tolist()
        checked = self._validate_each([records[index] for index in doubtful])
        problems = {doubtful[row]: fields for row, fields in checked.problems.items()}
        coerced = {field: list(values) for field, values in columns.items()}
        for row, index in enumerate(checked.valid_rows):
            document = checked.documents[row]
            for field in self._columns:
                coerced[field][doubtful[index]] = document.get(field, MISSING)
        valid_rows = [index for index in range(total) if index not in problems]
        if problems:
            coerced = {
                field: [values[index] for index in valid_rows]
                for field, values in coerced.items()
            }
        return ValidatedBatch(self._frame(coerced), valid_rows, problems, total)

    def validate_batch(self, batch: InputBatch) -> ValidatedBatch:
        """Validate a batch column-wise when it is columns, else record by record.

        Either way the outcome is what `validate` gives for its records.
        """
        if batch.columns is not None and batch.fields == self._fields:
            checked = self.validate_columns(batch.columns, batch.count)
            if checked is not None:
                return checked
        # cerberus words the errors, record by record
        return self.validate(batch.records())

    def validate_columns(
        self, columns: Mapping[str, Sequence[Any]], total: int
    ) -> ValidatedBatch | None:
        """Validate complete columns (every record has every field) at once.

        Returns None when a value cannot be proven valid column-wise: the
        caller then validates the records themselves, so that cerberus
        words the errors. Otherwise the same batch as `validate`.
        """
        if self._checks is None:
            return None
        if total <= SMALL_BATCH:
            # A few values: plain Python, no numpy call per column.
            for check in self._checks:
                if not all(map(check.value_ok, columns[check.field])):
                    return None
            small = self._small_frames
            build = (
                functools.partial(small.frame, columns, total)
                if small is not None
                else functools.partial(self._frame, columns, may_miss=False)
            )
            return ValidatedBatch(build, list(range(total)), {}, total, columns=columns)
        proven = np.ones(total, dtype=bool)
        numbers = self._check_columns(columns, proven)
        if not proven.all():
            return None
        return self._all_valid(columns, numbers, total, may_miss=False)

    def _all_valid(
        self,
        columns: Mapping[str, Sequence[Any]],
        numbers: Mapping[str, np.ndarray],
        total: int,
        *,
        may_miss: bool,
    ) -> ValidatedBatch:
        """The batch of columns whose every value the checks proved valid."""
        frame = self._frame(columns, may_miss=may_miss, numbers=numbers)
        return ValidatedBatch(frame, list(range(total)), {}, total)

    def _check_columns(
        self, columns: Mapping[str, Sequence[Any]], proven: np.ndarray
    ) -> dict[str, np.ndarray]:
        """Clear `proven` where a check fails; return the numbers the checks read."""
        numbers: dict[str, np.ndarray] = {}
        for check in self._checks or ():
            mask, numeric = check.checked(columns[check.field])
            proven &= mask
            if numeric is not None:
                numbers[check.field] = numeric
        return numbers

    def _complete_columns(
        self, records: Sequence[Any]
    ) -> dict[str, Sequence[Any]] | None:
        """Columns of dict records that all carry every field; else None."""
        if self._fields_of is None or not records:
            return None
        try:
            rows = list(map(self._fields_of, records))
        except KeyError:  # a record lacks a field
            return None
        return dict(zip(self._columns, zip(*rows, strict=True), strict=True))

    def _validate_each(self, records: Sequence[Any]) -> ValidatedBatch:
        """Validate record by record with cerberus."""
        validator = self._new_validator()
        documents: list[dict[str, Any]] = []
        valid_rows: list[int] = []
        problems: dict[int, dict[str, list[str]]] = {}
        for index, record in enumerate(records):
            if not isinstance(record, dict):
                problems[index] = {RECORD_FIELD: ["must be an object of field values"]}
                continue
            # Unknown fields are ignored, so keep them away from cerberus.
            known = {field: record[field] for field in self._columns if field in record}
            if validator.validate(known):
                documents.append(validator.document)
                valid_rows.append(index)
            else:
                problems[index] = {
                    field: _reasons(messages)
                    for field, messages in validator.errors.items()
                }
        return ValidatedBatch(
            self.to_frame(documents), valid_rows, problems, len(records), documents
        )

    def _frame(
        self,
        columns: Mapping[str, Sequence[Any]],
        *,
        may_miss: bool = True,
        numbers: Mapping[str, np.ndarray] | None = None,
    ) -> pd.DataFrame:
        """Build the typed frame from columns that may hold MISSING.

        `numbers` holds columns the checks already read as float64 (valid
        values only, MISSING and None as NaN): reused for number columns.
        """
        arrays = []
        size = 0
        numbers = numbers or {}
        for field in self._columns:
            values = columns[field]
            size = len(values)
            dtype = self._dtypes[field]
            numeric = numbers.get(field)
            if numeric is not None and dtype in {"float64", "int64"}:
                arrays.append(numeric if dtype == "float64" else numeric.astype(dtype))
                continue
            if may_miss and MISSING in values:
                values = [None if value is MISSING else value for value in values]
            # numpy reads None as NaN in a float64 array
            arrays.append(np.array(values, dtype=dtype))
        return frame_from_arrays(arrays, self._column_index, size)

    def to_frame(self, documents: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
        """Build a frame with one typed column per schema field."""
        return self._frame(
            {
                field: [document.get(field, MISSING) for document in documents]
                for field in self._columns
            }
        )
