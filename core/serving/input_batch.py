"""The one form every protocol's rows take on their way to a model."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["InputBatch"]


@dataclass(frozen=True)
class InputBatch:
    """The rows of one request, whatever protocol brought them.

    Every way in builds one: v1 JSON records (`intake`, `column_decoding`),
    V2 tensors (`tensors`) and batch-scoring pieces (`roost.core.batch`).
    When every row carries every one of `fields`, `columns` holds one value
    per row for each: the columnar form the validator checks at once.
    `records()` gives the same rows as dict records, which cerberus needs to
    word per-record errors; it is built only when asked for.
    """

    #: How many rows (records) the request holds.
    count: int
    #: The most fields any one row carries.
    widest: int
    fields: tuple[str, ...] = ()
    columns: Mapping[str, Sequence[Any]] | None = None
    _records: Callable[[], Sequence[Any]] | None = field(default=None, repr=False)

    @classmethod
    def of_records(cls, records: Sequence[Any]) -> InputBatch:
        """Wrap row-form records (dicts, or anything a client sent in their place)."""
        widest = max(
            (len(record) for record in records if type(record) is dict), default=0
        )
        return cls(len(records), widest, _records=lambda: records)

    @classmethod
    def of_rows(
        cls, count: int, widest: int, records: Callable[[], Sequence[Any]]
    ) -> InputBatch:
        """Wrap rows that exist only as the records `records` returns."""
        return cls(count, widest, _records=records)

    @classmethod
    def of_columns(
        cls,
        columns: Mapping[str, Sequence[Any]],
        count: int,
        records: Callable[[], Sequence[Any]] | None = None,
        *,
        widest: int | None = None,
    ) -> InputBatch:
        """Wrap complete columns: every row has a value for every field.

        `records` returns the same rows as dict records; by default they are
        built from the columns. `widest` is how many fields each row carries
        when the rows hold more than the columns (whole rows; then `records`
        must give them); by default as many as there are columns.
        """
        fields = tuple(columns)
        width = len(fields) if widest is None else widest
        return cls(count, width, fields, columns, records)

    def records(self) -> Sequence[Any]:
        """Return the rows as records, one dict per row."""
        if self._records is not None:
            return self._records()
        assert self.columns is not None  # noqa: S101 - one of the two is always set
        names = self.fields
        return [
            dict(zip(names, row, strict=True))
            for row in zip(*(self.columns[name] for name in names), strict=True)
        ]
