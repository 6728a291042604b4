"""Read batch-scoring input: CSV and Parquet files, piece by piece, as records.

Input is a file or a folder of files (searched recursively, sorted by path;
names starting with "." or "_" are skipped). It is cut into *pieces*: a CSV
file, or a run of a Parquet file's row groups. Each piece is read in record
batches holding only the columns the adapter's schema names (plus the id
column), so memory stays bounded by the batch size, not by the data.

Records are built as the online routes see JSON bodies: nulls and NaN become
None, numbers Python numbers, and a field the file lacks is absent from the
record. CSV cells are read as text; in numeric fields, plain decimal numbers
become numbers (integer fields: whole numbers of at most 15 digits) and every
other text is left for validation to coerce or refuse, exactly as the online
routes do with a JSON string. CSV null markers are pyarrow's defaults ("",
"NA", "NULL", "NaN", "null", "N/A", ...; not "None"); a CSV id column is
carried as text.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pyarrow as pa

from roost.core.serving.input_batch import InputBatch

__all__ = [
    "BatchInputError",
    "Piece",
    "count_rows",
    "input_files",
    "iter_batches",
    "plan_pieces",
    "to_batch",
    "to_records",
]

FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
#: Bytes pyarrow's CSV reader parses at a time.
CSV_BLOCK_BYTES = 8 << 20
INTEGER_TEXT = r"^-?[0-9]{1,15}$"
DECIMAL_TEXT = r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"
#: Longer number texts are left to validation, which refuses them.
MAX_NUMBER_TEXT = 100


class BatchInputError(ValueError):
    """The batch input cannot be read as asked."""


@dataclass(frozen=True)
class Piece:
    """One unit of work: a CSV file or some row groups of a Parquet file."""

    index: int
    path: Path
    format: str
    #: Parquet row groups to read; None for CSV.
    row_groups: tuple[int, ...] | None = None
    #: Rows in the piece, when known without reading it (Parquet).
    rows: int | None = None


def file_format(path: Path) -> str:
    """Name the format of an input file from its suffix.

    Raises:
        BatchInputError: the suffix is neither CSV nor Parquet.
    """
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        raise BatchInputError(
            f"{path} is neither CSV nor Parquet (suffix .csv, .parquet or .pq)"
        ) from None


def input_files(path: Path) -> list[Path]:
    """List the input files at `path`: the file itself or a folder's files.

    Raises:
        BatchInputError: the path is missing or holds no CSV or Parquet file.
    """
    if path.is_file():
        file_format(path)
        return [path]
    if not path.is_dir():
        raise BatchInputError(f"input {path} does not exist")
    files = sorted(
        found
        for found in path.rglob("*")
        if found.is_file()
        and found.suffix.lower() in FORMATS
        and not any(
            part.startswith((".", "_")) for part in found.relative_to(path).parts
        )
    )
    if not files:
        raise BatchInputError(f"no .csv, .parquet or .pq files under {path}")
    return files


def plan_pieces(files: Sequence[Path], batch_size: int) -> list[Piece]:
    """Cut the input into pieces; Parquet row groups join until `batch_size` rows."""
    import pyarrow.parquet as pq  # noqa: PLC0415 - only batch jobs need pyarrow

    pieces: list[Piece] = []
    for path in files:
        if file_format(path) == "csv":
            pieces.append(Piece(len(pieces), path, "csv"))
            continue
        metadata = pq.ParquetFile(path).metadata
        groups: list[int] = []
        rows = 0
        for group in range(metadata.num_row_groups):
            groups.append(group)
            rows += metadata.row_group(group).num_rows
            if rows >= batch_size:
                pieces.append(Piece(len(pieces), path, "parquet", tuple(groups), rows))
                groups, rows = [], 0
        if groups or metadata.num_row_groups == 0:
            pieces.append(Piece(len(pieces), path, "parquet", tuple(groups), rows))
    return pieces


def _csv_header(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8-sig") as stream:
        return next(csv.reader(stream), [])


def _open_csv(path: Path, columns: Sequence[str]) -> Any:
    import pyarrow as pa  # noqa: PLC0415 - only batch jobs need pyarrow
    import pyarrow.csv as pacsv  # noqa: PLC0415

    return pacsv.open_csv(
        path,
        read_options=pacsv.ReadOptions(block_size=CSV_BLOCK_BYTES),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            include_columns=list(columns),
            column_types=dict.fromkeys(columns, pa.string()),
            strings_can_be_null=True,
        ),
    )


def _present(available: Sequence[str], wanted: Sequence[str]) -> list[str]:
    names = set(available)
    return [column for column in dict.fromkeys(wanted) if column in names]


def iter_batches(
    piece: Piece,
    columns: Sequence[str],
    batch_size: int,
    id_column: str | None = None,
) -> Iterator[pa.RecordBatch]:
    """Yield the piece's rows in batches of at most `batch_size` rows.

    Only `columns` (and `id_column`) are read; columns a file lacks are left out.

    Raises:
        BatchInputError: the file lacks the id column.
    """
    import pyarrow.parquet as pq  # noqa: PLC0415 - only batch jobs need pyarrow

    wanted = [*columns, id_column] if id_column else list(columns)
    if piece.format == "parquet":
        schema = pq.read_schema(piece.path)
        # NOTE: labels stay dictionaries: each distinct one is decoded and
        # checked once, not once per row.
        labels = [
            field.name
            for field in schema
            if field.name in columns
            and field.name != id_column
            and str(field.type) in {"string", "large_string"}
        ]
        parquet = pq.ParquetFile(piece.path, read_dictionary=labels)
        present = _present(parquet.schema_arrow.names, wanted)
        _check_id(piece.path, present, id_column)
        if not piece.row_groups:
            return
        yield from parquet.iter_batches(
            batch_size=batch_size, row_groups=list(piece.row_groups), columns=present
        )
        return
    present = _present(_csv_header(piece.path), wanted)
    _check_id(piece.path, present, id_column)
    if not present:
        present = _csv_header(piece.path)[:1]  # still count the rows
    if not present:
        return
    for batch in _open_csv(piece.path, present):
        for start in range(0, batch.num_rows, batch_size):
            yield batch.slice(start, batch_size)


def _check_id(path: Path, present: Sequence[str], id_column: str | None) -> None:
    if id_column is not None and id_column not in present:
        raise BatchInputError(f"{path} has no id column {id_column!r}")


def count_rows(piece: Piece) -> int:
    """Count a piece's rows, reading as little as the format allows."""
    if piece.rows is not None:
        return piece.rows
    header = _csv_header(piece.path)
    if not header:
        return 0
    return sum(batch.num_rows for batch in _open_csv(piece.path, header[:1]))


def _kind(rules: Mapping[str, Any] | None) -> str | None:
    kind = (rules or {}).get("type")
    return kind if isinstance(kind, str) else None


def _numbers_from_text(array: pa.Array, kind: str) -> list[Any] | None:
    """Turn plain number texts into numbers; None when no text is one."""
    import pyarrow as pa  # noqa: PLC0415 - only batch jobs need pyarrow
    import pyarrow.compute as pc  # noqa: PLC0415

    integer = kind == "integer"
    pattern = INTEGER_TEXT if integer else DECIMAL_TEXT
    matches = pc.fill_null(pc.match_substring_regex(array, pattern), False)
    if not integer:
        short = pc.less_equal(pc.utf8_length(array), MAX_NUMBER_TEXT)
        matches = pc.and_(matches, pc.fill_null(short, False))
    hits = pc.sum(matches).as_py() or 0
    if hits == 0:
        return None
    texts = pc.if_else(matches, array, pa.scalar(None, pa.string()))
    numbers = pc.cast(texts, pa.int64() if integer else pa.float64())
    values: list[Any] = numbers.to_pylist()
    if hits == len(array):
        return values
    originals = array.to_pylist()
    return [
        number if matched else text
        for number, matched, text in zip(
            values, matches.to_pylist(), originals, strict=True
        )
    ]


def column_values(array: pa.Array, rules: Mapping[str, Any] | None = None) -> list[Any]:
    """Return one column's values as a JSON body would carry them."""
    import pyarrow as pa  # noqa: PLC0415 - only batch jobs need pyarrow

    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    kind_of = array.type
    if pa.types.is_dictionary(kind_of):
        array = array.dictionary_decode()
        kind_of = array.type
    if pa.types.is_decimal(kind_of):
        array = array.cast(pa.float64())  # JSON decimals arrive as floats
        kind_of = array.type
    if pa.types.is_floating(kind_of):
        numbers = array.to_numpy(zero_copy_only=False)  # nulls become NaN
        values: list[Any] = numbers.tolist()
        for row in np.flatnonzero(np.isnan(numbers)).tolist():
            values[row] = None
        return values
    kind = _kind(rules)
    if kind in {"integer", "float", "number"} and (
        pa.types.is_string(kind_of) or pa.types.is_large_string(kind_of)
    ):
        numbers = _numbers_from_text(array.cast(pa.string()), str(kind))
        if numbers is not None:
            return numbers
    return list(array.to_pylist())


def to_batch(
    batch: pa.RecordBatch, schema: Mapping[str, Mapping[str, Any]]
) -> InputBatch:
    """Turn a piece of a file into the data plane's `InputBatch`.

    A piece that has a column for every schema field stays columns; the
    rows are those `to_records` gives.
    """
    present = set(batch.schema.names)
    if not all(name in present for name in schema):
        return InputBatch.of_records(to_records(batch, schema))
    columns = {name: column_values(batch.column(name), schema[name]) for name in schema}
    return InputBatch.of_columns(columns, batch.num_rows)


def to_records(
    batch: pa.RecordBatch, schema: Mapping[str, Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Build one record per row from the batch's schema fields."""
    names = [name for name in batch.schema.names if name in schema]
    if not names:
        return [{} for _ in range(batch.num_rows)]
    columns = [column_values(batch.column(name), schema[name]) for name in names]
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]
