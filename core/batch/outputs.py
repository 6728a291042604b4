"""Write batch-scoring results: predictions and errors, as CSV or Parquet.

An output PATH ending in .csv, .parquet or .pq is one file; any other PATH is
a folder of part files, `part-00000.parquet` and so on, one per input piece.
Errors go beside the output unless placed elsewhere: `out.parquet` ->
`out.errors.parquet`, folder `out` -> folder `out.errors`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from roost.core.batch.inputs import FORMATS, BatchInputError

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["OutputLayout", "TableSink"]

SUFFIXES = {"csv": ".csv", "parquet": ".parquet"}


@dataclass(frozen=True)
class OutputLayout:
    """Where predictions and errors go, and in which format."""

    predictions: Path
    errors: Path
    format: str
    #: True: folders of part files; False: one file each.
    parts: bool

    @classmethod
    def decide(
        cls,
        output: Path,
        errors: Path | None = None,
        output_format: str | None = None,
    ) -> OutputLayout:
        """Derive the layout from the output path and the optional overrides."""
        suffix_format = FORMATS.get(output.suffix.lower())
        if suffix_format and output_format and suffix_format != output_format:
            raise BatchInputError(
                f"output {output} is {suffix_format} by its suffix, not {output_format}"
            )
        parts = suffix_format is None
        chosen = output_format or suffix_format or "parquet"
        if chosen not in SUFFIXES:
            raise BatchInputError(f"output format {chosen!r} is not csv or parquet")
        if errors is None:
            if parts:
                errors = output.with_name(f"{output.name}.errors")
            else:
                errors = output.with_name(f"{output.stem}.errors{output.suffix}")
        if errors == output:
            raise BatchInputError(f"predictions and errors both go to {output}")
        return cls(output, errors, chosen, parts)

    def part(self, index: int) -> tuple[Path, Path]:
        """Name the prediction and error part files of piece `index`."""
        name = f"part-{index:05d}{SUFFIXES[self.format]}"
        return self.predictions / name, self.errors / name

    def prepare(self, *, overwrite: bool) -> None:
        """Make room for the output, refusing to replace results unless asked.

        Raises:
            BatchInputError: the output exists and `overwrite` is false.
        """
        for target in (self.predictions, self.errors):
            if self.parts and target.is_file():
                raise BatchInputError(f"{target} is a file, not a folder")
            if not self.parts and target.is_dir():
                raise BatchInputError(f"{target} is a folder, not a file")
            # NOTE: only roost's own part files are ever removed from a folder.
            old = sorted(target.glob("part-*.*")) if self.parts else [target]
            old = [path for path in old if path.is_file()]
            if old and not overwrite:
                raise BatchInputError(
                    f"{target} exists; pass --overwrite to replace it"
                )
            for path in old:
                path.unlink()
            if self.parts:
                target.mkdir(parents=True, exist_ok=True)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)


class TableSink:
    """Append Arrow tables to one CSV or Parquet file, opened on first write.

    Empty tables only tell the columns. With `always`, closing a sink that
    got no rows writes an empty file with them; otherwise no file appears.
    """

    def __init__(self, path: Path, file_format: str, *, always: bool = False) -> None:
        self.path = path
        self.format = file_format
        self.always = always
        self.rows = 0
        self._writer: Any = None
        self._schema: pa.Schema | None = None
        self._empty: pa.Table | None = None

    def write(self, table: pa.Table) -> None:
        """Append `table`, cast to the file's column types.

        Raises:
            BatchInputError: the table's columns differ from the file's.
        """
        if table.num_rows == 0:
            if self._empty is None or not _all_null(table.schema):
                self._empty = table  # the columns of an empty file
            return
        if self._writer is None:
            self._open(_concrete(table.schema))
        assert self._schema is not None  # noqa: S101 - set by _open
        if table.schema != self._schema:
            try:
                table = table.select(self._schema.names).cast(self._schema)
            except (KeyError, ValueError, TypeError) as exc:
                raise BatchInputError(
                    f"cannot append {table.schema} to {self.path} ({self._schema}): "
                    f"{exc}"
                ) from exc
        self._writer.write_table(table)
        self.rows += table.num_rows

    def _open(self, schema: pa.Schema) -> None:
        import pyarrow.csv as pacsv  # noqa: PLC0415 - only batch jobs need pyarrow
        import pyarrow.parquet as pq  # noqa: PLC0415

        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.format == "csv":
            self._writer = pacsv.CSVWriter(self.path, schema)
        else:
            self._writer = pq.ParquetWriter(
                self.path, schema, use_dictionary=_text_columns(schema)
            )
        self._schema = schema

    def close(self) -> None:
        """Finish the file (or write the empty one `always` asks for)."""
        if self._writer is None and self.always and self._empty is not None:
            self._open(self._empty.schema)
        if self._writer is not None:
            if self.rows == 0 and self._empty is not None:
                self._writer.write_table(self._empty)
            self._writer.close()
            self._writer = None

    def __enter__(self) -> TableSink:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def _all_null(schema: pa.Schema) -> bool:
    import pyarrow as pa  # noqa: PLC0415 - only batch jobs need pyarrow

    return any(pa.types.is_null(field.type) for field in schema)


def _text_columns(schema: pa.Schema) -> list[str]:
    """Name the columns worth dictionary-encoding: texts (labels, reasons).

    NOTE: numbers (ids, predictions, probabilities) are nearly all distinct;
    trying a dictionary on them first tripled the cost of writing them and
    made the file larger.
    """
    import pyarrow as pa  # noqa: PLC0415 - only batch jobs need pyarrow

    textual = (pa.types.is_string, pa.types.is_large_string, pa.types.is_dictionary)
    return [field.name for field in schema if any(test(field.type) for test in textual)]


def _concrete(schema: pa.Schema) -> pa.Schema:
    """Give all-null columns a real type (float64), so later batches fit."""
    import pyarrow as pa  # noqa: PLC0415 - only batch jobs need pyarrow

    return pa.schema(
        [
            field.with_type(pa.float64()) if pa.types.is_null(field.type) else field
            for field in schema
        ]
    )
