"""Batch scoring: validate and predict input pieces, write results, count rows.

Each record batch is validated with the online routes' `RecordValidator`
and its valid rows are predicted by the adapter; invalid rows go to the
errors output as (id, field, reason) rows and never stop the job. The id is
the `--id-column` value, or else the row's position in the whole input
(files in sorted order, counting from 0). A batch the adapter refuses
(`AdapterError`) is halved until the refused rows are found; they become
errors on the field `_record`.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from roost.core.batch.arrow_validation import ArrowValidator
from roost.core.batch.inputs import Piece, iter_batches, to_batch
from roost.core.batch.outputs import OutputLayout, TableSink
from roost.core.batch.threads import hold_native_threads
from roost.core.contract.adapter import AdapterContext, ModelAdapter
from roost.core.contract.outputs import PREDICTIONS, Output
from roost.core.errors import AdapterError
from roost.core.serving.outputs import (
    OutputArrays,
    OutputColumns,
    predict_arrays,
    predict_outputs,
)
from roost.core.serving.validation import RECORD_FIELD, RecordValidator, ValidatedBatch

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

__all__ = ["BatchJob", "Counts", "Scorer", "run_piece", "score_piece", "scorer_for"]

DEFAULT_BATCH_SIZE = 16_384
POSITION_COLUMN = "row"
PREDICTION_COLUMN = "prediction"


@dataclass(frozen=True)
class BatchJob:
    """What to score with: the adapter and how rows are named."""

    adapter_class: type[ModelAdapter]
    context: AdapterContext
    id_column: str | None = None
    batch_size: int = DEFAULT_BATCH_SIZE
    #: Threads the scoring process gives BLAS, OpenMP and Arrow; None: as is.
    native_threads: int | None = None

    @property
    def id_name(self) -> str:
        """Name the id column of the outputs."""
        return self.id_column or POSITION_COLUMN

    def cache_key(self) -> tuple[str, ...]:
        """Identify the loaded adapter this job needs, across processes."""
        context = self.context
        return (
            f"{self.adapter_class.__module__}:{self.adapter_class.__qualname__}",
            context.name,
            context.version,
            str(context.model_dir),
            json.dumps(dict(context.options), sort_keys=True, default=str),
            context.library_mismatch,
        )


@dataclass
class Counts:
    """Rows read, predicted and refused (invalid or rejected by the adapter)."""

    rows: int = 0
    predicted: int = 0
    invalid: int = 0

    def add(self, other: Counts) -> None:
        """Add another count to this one."""
        self.rows += other.rows
        self.predicted += other.predicted
        self.invalid += other.invalid


class Scorer:
    """A loaded adapter with its validator: scores record batches."""

    def __init__(
        self, adapter_class: type[ModelAdapter], context: AdapterContext
    ) -> None:
        self.context = context
        self.schema = adapter_class.input_schema
        self.validator = RecordValidator(self.schema)
        self.arrow_validator = ArrowValidator(self.validator, self.schema)
        self.adapter = adapter_class(context)
        self.adapter.load()

    def score(
        self, batch: pa.RecordBatch, offset: int, id_column: str | None = None
    ) -> tuple[pa.Table, pa.Table]:
        """Return the batch's predictions and errors, each with the row ids.

        Rows are named by `id_column`, else by position from `offset`.
        """
        import pyarrow as pa  # noqa: PLC0415 - only batch jobs need pyarrow

        if id_column is None:
            ids = pa.array(np.arange(offset, offset + batch.num_rows, dtype=np.int64))
        else:
            ids = batch.column(id_column)
        checked = self.validate(batch)
        problems = dict(checked.problems)
        rows, outputs, refused = self._predict(checked.frame, checked.valid_rows)
        for row, reason in refused.items():
            problems[row] = {RECORD_FIELD: [f"refused by the adapter: {reason}"]}
        id_name = id_column or POSITION_COLUMN
        predictions = _prediction_table(
            id_name, ids.take(pa.array(rows, type=pa.int64())), self.outputs, outputs
        )
        errors = _error_table(id_name, ids, problems)
        return predictions, errors

    def validate(
        self, batch: pa.RecordBatch, *, columnar: bool = True
    ) -> ValidatedBatch:
        """Validate a batch as the online routes validate the same records.

        `columnar` reads the Arrow columns directly where it can
        (`ArrowValidator`); otherwise, or with it False, the batch becomes
        the data plane's `InputBatch` first. Both give the same outcome.
        """
        if columnar:
            checked = self.arrow_validator.validate(batch)
            if checked is not None:
                return checked
        # The data plane's decode and validation; no request limits offline.
        return self.validator.validate_batch(to_batch(batch, self.schema))

    def _predict(
        self, frame: pd.DataFrame, rows: Sequence[int]
    ) -> tuple[list[int], OutputArrays, dict[int, str]]:
        """Predict `frame`, halving it around rows the adapter refuses."""
        if not rows:
            return [], self._no_outputs(), {}
        try:
            return list(rows), self.predict_arrays(frame), {}
        except AdapterError as exc:
            if len(rows) == 1:
                return [], self._no_outputs(), {rows[0]: str(exc)}
        half = len(rows) // 2
        kept, outputs, refused = self._predict(
            frame.iloc[:half].reset_index(drop=True), rows[:half]
        )
        more = self._predict(frame.iloc[half:].reset_index(drop=True), rows[half:])
        joined = {name: _joined(outputs[name], more[1][name]) for name in outputs}
        return kept + more[0], joined, {**refused, **more[2]}

    def _no_outputs(self) -> OutputArrays:
        return {output.name: [] for output in self.outputs}

    @property
    def outputs(self) -> tuple[Output, ...]:
        """The outputs the adapter declares, in order: the columns written."""
        return type(self.adapter).declared_outputs()

    def predict_frame(self, frame: pd.DataFrame) -> OutputColumns:
        """Predict validated rows as the online routes do: same checks and values.

        Raises:
            AdapterError: the adapter refused the rows.
            PredictionError: the adapter crashed or miscounted its outputs.
        """
        context = self.context
        return predict_outputs(self.adapter, frame, context.name, context.version)

    def predict_arrays(self, frame: pd.DataFrame) -> OutputArrays:
        """Predict as `predict_frame` does, numbers kept as numpy arrays.

        Raises:
            AdapterError: the adapter refused the rows.
            PredictionError: the adapter crashed or miscounted its outputs.
        """
        context = self.context
        return predict_arrays(self.adapter, frame, context.name, context.version)


def _joined(
    first: np.ndarray | list[Any], second: np.ndarray | list[Any]
) -> np.ndarray | list[Any]:
    """Join two runs of one output's values (arrays, lists, or an empty list)."""
    if isinstance(first, list) and isinstance(second, list):
        return first + second
    if len(first) == 0:
        return second
    if len(second) == 0:
        return first
    if isinstance(first, list) or isinstance(second, list):
        return _plain(first) + _plain(second)
    return np.concatenate([first, second])


def _plain(values: np.ndarray | list[Any]) -> list[Any]:
    """Values as a JSON-ready list, NaN as None (a list stays as it is)."""
    if isinstance(values, list):
        return values
    plain: list[Any] = values.tolist()
    if values.dtype.kind != "f":
        return plain
    if values.ndim == 2:
        return [[None if math.isnan(x) else x for x in row] for row in plain]
    return [None if math.isnan(x) else x for x in plain]


def output_columns(outputs: Sequence[Output]) -> list[tuple[str, str, int | None]]:
    """Name the table columns of declared outputs: (column, output, item).

    `predictions` is written as `prediction`; another 1-D output under its
    own name; a probabilities output as `probability_<label>` per class;
    another 2-D output as `<name>_<i>` per column.
    """
    columns: list[tuple[str, str, int | None]] = []
    for output in outputs:
        if output.width is None:
            title = PREDICTION_COLUMN if output.name == PREDICTIONS else output.name
            columns.append((title, output.name, None))
        elif output.labels is not None and output.kind == "probabilities":
            columns.extend(
                (f"probability_{label}", output.name, index)
                for index, label in enumerate(output.labels)
            )
        else:
            columns.extend(
                (f"{output.name}_{index}", output.name, index)
                for index in range(output.width)
            )
    return columns


def _prediction_table(
    id_name: str,
    ids: pa.Array,
    declared: Sequence[Output],
    outputs: OutputColumns | OutputArrays,
) -> pa.Table:
    import pyarrow as pa  # noqa: PLC0415 - only batch jobs need pyarrow

    arrays, names = [ids], [id_name]
    kinds = {output.name: output for output in declared}
    for title, name, item in output_columns(declared):
        output = kinds[name]
        float_like = (
            output.datatype in {"FP64", "FP32"} or output.kind == "probabilities"
        )
        values = outputs.get(name, [])
        if isinstance(values, np.ndarray):
            arrays.append(_arrow_numbers(values, item, float_like=float_like))
        else:
            if item is not None:
                values = [None if row is None else row[item] for row in values]
            arrays.append(pa.array(values, type=pa.float64() if float_like else None))
        names.append(title)
    return pa.table(arrays, names=names)


def _arrow_numbers(
    values: np.ndarray, item: int | None, *, float_like: bool
) -> pa.Array:
    """An output's numbers as the Arrow column their JSON values would give.

    NaN stands for null (a non-finite number, which JSON answers as null).
    """
    import pyarrow as pa  # noqa: PLC0415 - only batch jobs need pyarrow

    column = values if item is None else values[:, item]
    if float_like:
        return pa.array(np.asarray(column, dtype=np.float64), from_pandas=True)
    if column.dtype.kind == "f" and len(column) and np.isnan(column).all():
        return pa.nulls(len(column))  # as a list of None reads
    return pa.array(column, from_pandas=True)


def empty_tables(job: BatchJob) -> tuple[pa.Table, pa.Table]:
    """Return empty predictions and errors tables, for outputs of no rows."""
    import pyarrow as pa  # noqa: PLC0415 - only batch jobs need pyarrow

    ids = pa.array([], type=pa.int64() if job.id_column is None else pa.string())
    outputs = job.adapter_class.declared_outputs()
    empty: OutputColumns = {output.name: [] for output in outputs}
    predictions = _prediction_table(job.id_name, ids, outputs, empty)
    return predictions, _error_table(job.id_name, ids, {})


def _error_table(
    id_name: str, ids: pa.Array, problems: dict[int, dict[str, list[str]]]
) -> pa.Table:
    import pyarrow as pa  # noqa: PLC0415 - only batch jobs need pyarrow

    rows, fields, reasons = [], [], []
    for row in sorted(problems):
        for name, texts in problems[row].items():
            for text in texts:
                rows.append(row)
                fields.append(name)
                reasons.append(text)
    return pa.table(
        [
            ids.take(pa.array(rows, type=pa.int64())),
            pa.array(fields, type=pa.string()),
            pa.array(reasons, type=pa.string()),
        ],
        names=[id_name, "field", "reason"],
    )


_SCORERS: dict[tuple[str, ...], Scorer] = {}
_SCORERS_LOCK = threading.Lock()


def scorer_for(job: BatchJob) -> Scorer:
    """Return this process's scorer for the job, loading the adapter once."""
    # NOTE: a process-wide cache, so each Dask worker loads the adapter once.
    key = job.cache_key()
    with _SCORERS_LOCK:
        scorer = _SCORERS.get(key)
        if scorer is None:
            scorer = Scorer(job.adapter_class, job.context)
            _SCORERS[key] = scorer
        return scorer


def score_piece(
    job: BatchJob,
    piece: Piece,
    offset: int,
    sinks: tuple[TableSink, TableSink],
    on_batch: Callable[[int], Any] | None = None,
) -> Counts:
    """Score one piece into (predictions, errors) sinks from row position `offset`."""
    predictions, errors = sinks
    scorer = scorer_for(job)
    counts = Counts()
    columns = list(scorer.schema)
    hold_native_threads(job.native_threads)
    for batch in iter_batches(piece, columns, job.batch_size, job.id_column):
        scored, refused = scorer.score(batch, offset + counts.rows, job.id_column)
        predictions.write(scored)
        errors.write(refused)
        counts.add(
            Counts(batch.num_rows, scored.num_rows, batch.num_rows - scored.num_rows)
        )
        if on_batch is not None:
            on_batch(batch.num_rows)
    return counts


def run_piece(
    job: BatchJob,
    piece: Piece,
    offset: int,
    layout: OutputLayout,
    on_batch: Callable[[int], Any] | None = None,
) -> Counts:
    """Score one piece into its own part files (a Dask task, or a local step)."""
    predictions_path, errors_path = layout.part(piece.index)
    with (
        TableSink(predictions_path, layout.format) as predictions,
        TableSink(errors_path, layout.format) as errors,
    ):
        return score_piece(job, piece, offset, (predictions, errors), on_batch)
