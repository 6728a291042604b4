"""Validate Arrow record batches column by column, without per-row objects.

`ArrowValidator.validate` gives what `RecordValidator.validate_batch` gives
for the records `inputs.to_batch` builds from the same batch, but reads the
Arrow columns with numpy and pyarrow.compute: numbers as float64 arrays,
labels through a dictionary of their distinct values (checked once each).
The rules are the validator's compiled column checks, applied no less
strictly. Only the rows those checks cannot prove valid become records, and
go through the validator itself, which coerces them or words their errors;
each distinct run of such values once, its outcome kept for later batches.
A batch with a column of a type it does not read gets None: the caller then
takes the records path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from roost.core.batch.inputs import (
    DECIMAL_TEXT,
    INTEGER_TEXT,
    MAX_NUMBER_TEXT,
    to_records,
)
from roost.core.serving.column_checks import EXACT_FLOAT, ColumnarCheck
from roost.core.serving.validation import RecordValidator, ValidatedBatch

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["ArrowValidator"]

_NUMERIC = frozenset({"integer", "float", "number"})
#: A field's values as the frame holds them (or labels still coded), and
#: where they are proven valid.
_Column = tuple["np.ndarray | _Coded", np.ndarray]
#: A record's values, exactly: (type, value) per field.
_Key = tuple[tuple[type, Any], ...]
#: A record's coerced values (a tuple), or its problems by field (a dict).
_Outcome = tuple[Any, ...] | dict[str, list[str]]
#: Value runs whose validation outcome is kept, per run of fields.
_KNOWN_LIMIT = 4096
#: Types whose equal values are the same value to the validator.
_EXACT_TYPES = frozenset({str, int, bool, bytes, type(None)})
_ABSENT = object()


class ArrowValidator:
    """Validates Arrow record batches for one adapter's schema."""

    def __init__(
        self,
        validator: RecordValidator,
        schema: Mapping[str, Mapping[str, Any]],
    ) -> None:
        self.validator = validator
        self.schema = schema
        self.checks = validator.checks
        #: Validators of the fields some rows leave unproven, by those fields.
        self._partial: dict[tuple[str, ...], RecordValidator] = {}
        #: What validating those fields gave, by the fields and their values.
        self._outcomes: dict[tuple[str, ...], dict[_Key, _Outcome]] = {}

    def validate(self, batch: pa.RecordBatch) -> ValidatedBatch | None:
        """Validate every row of `batch`; None when a column needs the records path."""
        if self.checks is None:
            return None
        total = batch.num_rows
        names = set(batch.schema.names)
        arrays: list[np.ndarray | _Coded] = []
        proofs: list[np.ndarray] = []
        for check in self.checks:
            dtype = self.validator.dtype(check.field)
            if check.field in names:
                column = _read(check, dtype, batch.column(check.field))
            else:
                column = _absent(check, dtype, total)
            if column is None:
                return None
            arrays.append(column[0])
            proofs.append(column[1])
        keep = np.logical_and.reduce(proofs) if proofs else np.ones(total, bool)
        problems: dict[int, dict[str, list[str]]] = {}
        if not keep.all():
            keep, problems = self._check_records(batch, keep, proofs, arrays)
        rows = None if keep.all() else keep
        valid_rows: list[int] = np.flatnonzero(keep).tolist()
        return ValidatedBatch(
            self.validator.frame_of([_kept(values, rows) for values in arrays]),
            valid_rows,
            problems,
            total,
        )

    def _check_records(
        self,
        batch: pa.RecordBatch,
        proven: np.ndarray,
        proofs: list[np.ndarray],
        arrays: list[np.ndarray | _Coded],
    ) -> tuple[np.ndarray, dict[int, dict[str, list[str]]]]:
        """Validate the unproven values as records; fill in their coerced values.

        Fields are independent under the compiled rules, and a proven value
        is one the validator accepts as it stands, so each unproven row is
        validated on its unproven fields only: the same problems, sorted by
        field as the validator sorts them, at a fraction of the cost.
        Returns the rows to keep and the problems of the others.
        """
        keep = proven.copy()
        problems: dict[int, dict[str, list[str]]] = {}
        doubtful = np.flatnonzero(~proven)
        unproven = np.stack([~proof[doubtful] for proof in proofs])
        groups: dict[tuple[int, ...], list[int]] = {}
        for position, row in enumerate(doubtful.tolist()):
            fields = tuple(np.flatnonzero(unproven[:, position]).tolist())
            groups.setdefault(fields, []).append(row)
        for fields, rows in groups.items():
            found = self._check_fields(batch, rows, fields, arrays)
            keep[found.rows] = True
            problems.update(found.problems)
        return keep, dict(sorted(problems.items()))

    def _check_fields(
        self,
        batch: pa.RecordBatch,
        rows: list[int],
        fields: tuple[int, ...],
        arrays: list[np.ndarray | _Coded],
    ) -> _Checked:
        """Validate `fields` (positions) of `rows`; write the coerced values.

        Each distinct run of values is validated once, and its outcome kept
        for the batches that follow: the same invalid label met in every
        batch costs one record's validation, not one per row.
        """
        import pyarrow as pa  # noqa: PLC0415 - only batch jobs need pyarrow

        names = tuple(self.validator.columns[field] for field in fields)
        present = [name for name in batch.schema.names if name in names]
        part = batch.select(present).take(pa.array(rows, type=pa.int64()))
        records = to_records(part, self.schema)
        keys = [_key(record, names) for record in records]
        known = self._outcomes.setdefault(names, {})
        outcomes: dict[int | _Key, _Outcome] = {}  # by key, or by row if none
        fresh: dict[int | _Key, int] = {}
        for index, key in enumerate(keys):
            if key is None:
                fresh[index] = index
            elif key in known:
                outcomes[key] = known[key]
            else:
                fresh.setdefault(key, index)
        if fresh:
            found = self._validate_records(names, [records[i] for i in fresh.values()])
            for slot, outcome in zip(fresh, found, strict=True):
                outcomes[slot] = outcome
                if isinstance(slot, tuple) and len(known) < _KNOWN_LIMIT:
                    known[slot] = outcome
        valid: list[int] = []
        values: list[tuple[Any, ...]] = []
        problems: dict[int, dict[str, list[str]]] = {}
        for index, (row, key) in enumerate(zip(rows, keys, strict=True)):
            outcome = outcomes[index if key is None else key]
            if isinstance(outcome, dict):
                problems[row] = {name: list(texts) for name, texts in outcome.items()}
            else:
                valid.append(row)
                values.append(outcome)
        if valid:
            for field, column in zip(fields, zip(*values, strict=True), strict=True):
                coerced = np.empty(len(valid), dtype=object)
                coerced[:] = column
                written = _kept(arrays[field], None)  # labels built to be written
                written[valid] = coerced
                arrays[field] = written
        return _Checked(np.asarray(valid, dtype=np.int64), problems)

    def _validate_records(
        self, names: tuple[str, ...], records: list[dict[str, Any]]
    ) -> list[_Outcome]:
        """Validate records on `names`: coerced values, or problems, each."""
        validator = self._partial.get(names)
        if validator is None:
            validator = RecordValidator({name: self.schema[name] for name in names})
            self._partial[names] = validator
        checked = validator.validate(records)
        outcomes: list[_Outcome] = [{} for _ in records]
        for row, found in checked.problems.items():
            outcomes[row] = found
        columns = [checked.frame[name].to_numpy() for name in names]
        for position, row in enumerate(checked.valid_rows):
            outcomes[row] = tuple(column[position] for column in columns)
        return outcomes


def _key(record: Mapping[str, Any], names: tuple[str, ...]) -> _Key | None:
    """Name a record's values exactly (type and bits), or None if it cannot."""
    key: list[Any] = []
    for name in names:
        value = record.get(name, _ABSENT)
        kind = type(value)
        if kind is float:
            key.append((kind, value.hex()))  # tells -0.0 from 0.0
        elif kind in _EXACT_TYPES or value is _ABSENT:
            key.append((kind, value))
        else:
            return None
    return tuple(key)


@dataclass(frozen=True)
class _Coded:
    """Labels as codes into their distinct values: objects are built last.

    NOTE: building a column of Python strings costs a pass over the rows;
    done once, on the rows kept, instead of on all of them and again to
    drop the invalid ones.
    """

    #: The distinct values (object), the last one None.
    table: np.ndarray
    #: One position in `table` per row.
    codes: np.ndarray


def _kept(values: np.ndarray | _Coded, rows: np.ndarray | None) -> np.ndarray:
    """A field's values as the frame holds them, on `rows` (a mask) or all rows."""
    if isinstance(values, _Coded):
        codes = values.codes if rows is None else values.codes[rows]
        built: np.ndarray = values.table[codes]
        return built
    return values if rows is None else values[rows]


@dataclass(frozen=True)
class _Checked:
    """Rows the validator accepted, and the problems of the rest."""

    rows: np.ndarray
    problems: dict[int, dict[str, list[str]]]


def _absent(check: ColumnarCheck, dtype: str, total: int) -> _Column:
    """A field no row carries: valid where it is optional, read as None."""
    return _none(dtype, total), np.full(total, not check.required)


def _none(dtype: str, total: int) -> np.ndarray:
    """A column of None as the frame holds it."""
    if dtype == "float64":
        return np.full(total, np.nan)
    if dtype == "object":
        return np.full(total, None, dtype=object)
    # int64 and bool fields are never nullable: no row of None is kept
    return np.zeros(total, dtype=dtype)


def _read(check: ColumnarCheck, dtype: str, array: pa.Array) -> _Column | None:
    """Read one present column as `dtype` and prove what the checks prove."""
    import pyarrow as pa  # noqa: PLC0415 - only batch jobs need pyarrow

    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    kind = array.type
    if pa.types.is_null(kind):
        return _none(dtype, len(array)), np.full(len(array), check.nullable)
    if check.kind in _NUMERIC and pa.types.is_dictionary(kind):
        array = array.dictionary_decode()  # number texts read as labels
        kind = array.type
    textual = pa.types.is_string(kind) or pa.types.is_large_string(kind)
    if check.kind in _NUMERIC:
        if pa.types.is_integer(kind) or pa.types.is_floating(kind):
            return _numbers(check, dtype, array)
        return _number_texts(check, dtype, array) if textual else None
    if check.kind != "string" or dtype != "object":
        return None
    if pa.types.is_dictionary(kind) and pa.types.is_string(kind.value_type):
        return _labels(check, array)
    return _labels(check, array.dictionary_encode()) if textual else None


def _numbers(check: ColumnarCheck, dtype: str, array: pa.Array) -> _Column | None:
    """Numbers (nulls and NaN as None) under the check's range and wholeness."""
    # A copy: the records path may write coerced values into it.
    numbers = np.array(array.to_numpy(zero_copy_only=False), dtype=np.float64)
    return _proven_numbers(check, dtype, numbers, np.isnan(numbers))


def _proven_numbers(
    check: ColumnarCheck, dtype: str, numbers: np.ndarray, null: np.ndarray
) -> _Column | None:
    if dtype not in {"float64", "int64"}:
        return None
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(numbers)
        if check.kind == "integer":
            ok &= (numbers == np.floor(numbers)) & (np.abs(numbers) < EXACT_FLOAT)
        if check.minimum is not None:
            ok &= numbers >= check.minimum
        if check.maximum is not None:
            ok &= numbers <= check.maximum
    proven = np.where(null, check.nullable, ok)
    if dtype == "int64":
        return np.where(proven, numbers, 0.0).astype(np.int64), proven
    return numbers, proven


def _number_texts(check: ColumnarCheck, dtype: str, array: pa.Array) -> _Column | None:
    """Plain decimal texts as numbers, as `inputs.column_values` reads them.

    Any other text is left unproven, for the records path to coerce or refuse.
    """
    import pyarrow as pa  # noqa: PLC0415 - only batch jobs need pyarrow
    import pyarrow.compute as pc  # noqa: PLC0415

    integer = check.kind == "integer"
    array = array.cast(pa.string())
    plain = pc.match_substring_regex(array, INTEGER_TEXT if integer else DECIMAL_TEXT)
    if not integer:
        plain = pc.and_(plain, pc.less_equal(pc.utf8_length(array), MAX_NUMBER_TEXT))
    plain = pc.fill_null(plain, False)
    texts = pc.if_else(plain, array, pa.scalar(None, pa.string()))
    numbers = pc.cast(texts, pa.int64() if integer else pa.float64())
    read = _numbers(check, dtype, numbers)
    if read is None:
        return None
    values, proven = read
    is_text = np.asarray(array.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    unread = is_text & ~np.asarray(plain.to_numpy(zero_copy_only=False), dtype=bool)
    return values, proven & ~unread


def _labels(check: ColumnarCheck, array: pa.DictionaryArray) -> _Column:
    """Strings, each distinct one checked once; nulls as None."""
    distinct = array.dictionary.to_pylist()
    table = np.empty(len(distinct) + 1, dtype=object)
    table[:-1] = distinct
    table[-1] = None
    passes = np.array(
        [check.value_ok(value) for value in distinct] + [check.nullable], dtype=bool
    )
    # Nulls point at the last entry: None, valid where the field is nullable.
    indices = array.indices
    if indices.null_count:
        indices = indices.fill_null(len(distinct))
    codes = indices.to_numpy(zero_copy_only=False)
    return _Coded(table, codes), passes[codes]
