"""Batch scoring: reading pieces, building records, scoring, writing, engines."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from batch_sample import (
    BROKEN,
    batch_job,
    check_output,
)

from roost.core.batch.inputs import (
    BatchInputError,
    column_values,
    input_files,
    iter_batches,
    plan_pieces,
    to_records,
)
from roost.core.batch.job import BatchJob, Scorer, _prediction_table, scorer_for
from roost.core.batch.local import run_local
from roost.core.batch.on_dask import run_dask
from roost.core.batch.outputs import OutputLayout, TableSink
from roost.core.contract.adapter import AdapterContext, ModelAdapter
from roost.core.contract.outputs import Output
from roost.core.serving.outputs import predict_arrays, predict_outputs

TESTING_NAMESPACE = "roost.adapters.testing"


class TestInputFiles:
    """Which files a batch job reads, and in what order."""

    def test_folder_files_sorted_hidden_skipped(
        self, batch_inputs: dict[str, Path]
    ) -> None:
        """A folder gives its CSV/Parquet files by path; dot and underscore skipped."""
        names = [path.name for path in input_files(batch_inputs["parquet"])]
        assert names == ["part-0.parquet", "part-1.parquet", "part-2.parquet"]
        nested = input_files(batch_inputs["csv"])
        assert [path.parent.name for path in nested] == ["nested"] * 3

    def test_unknown_suffix_is_refused(self, tmp_path: Path) -> None:
        """A file that is neither CSV nor Parquet is named in the error."""
        path = tmp_path / "rows.json"
        path.write_text("[]")
        with pytest.raises(BatchInputError, match="neither CSV nor Parquet"):
            input_files(path)

    def test_missing_input_is_refused(self, tmp_path: Path) -> None:
        """A path that does not exist is reported."""
        with pytest.raises(BatchInputError, match="does not exist"):
            input_files(tmp_path / "nope")


class TestPieces:
    """Input is cut into pieces with row counts known where cheap."""

    def test_parquet_row_groups_join_up_to_the_batch_size(
        self, batch_inputs: dict[str, Path]
    ) -> None:
        """Row groups of 150 rows join in pairs for batches of 256 rows."""
        pieces = plan_pieces(input_files(batch_inputs["parquet"]), 256)
        assert [piece.rows for piece in pieces[:3]] == [300, 200, 300]
        assert sum(piece.rows or 0 for piece in pieces) == 1460
        assert [piece.index for piece in pieces] == list(range(len(pieces)))

    def test_csv_file_is_one_piece_of_unknown_size(
        self, batch_inputs: dict[str, Path]
    ) -> None:
        """A CSV file is a piece whose rows are counted only by reading it."""
        pieces = plan_pieces(input_files(batch_inputs["csv"]), 256)
        assert [piece.rows for piece in pieces] == [None, None, None]

    def test_batches_are_bounded_and_hold_only_needed_columns(
        self, batch_inputs: dict[str, Path]
    ) -> None:
        """Batches never exceed the batch size and carry schema columns plus the id."""
        schema = _job_schema()
        for kind in ("parquet", "csv"):
            for piece in plan_pieces(input_files(batch_inputs[kind]), 100):
                for found in iter_batches(piece, list(schema), 100, "Id"):
                    assert found.num_rows <= 100
                    assert set(found.schema.names) == {*schema, "Id"}

    def test_csv_quoted_newlines_and_bom_are_read(self, tmp_path: Path) -> None:
        """A UTF-8 BOM and a newline inside quotes do not break rows."""
        path = tmp_path / "rows.csv"
        path.write_bytes(b'\xef\xbb\xbfx,label\n1.5,"a\nb"\n2,a\n')
        (piece,) = plan_pieces([path], 10)
        (found,) = iter_batches(piece, ["x", "label"], 10)
        records = to_records(found, {"x": {"type": "float"}, "label": {}})
        assert records == [{"x": 1.5, "label": "a\nb"}, {"x": 2.0, "label": "a"}]

    def test_missing_id_column_is_refused(self, batch_inputs: dict[str, Path]) -> None:
        """An id column the file lacks stops the job with its name."""
        (piece, *_) = plan_pieces(input_files(batch_inputs["csv"]), 100)
        with pytest.raises(BatchInputError, match="no id column 'Key'"):
            next(iter_batches(piece, ["MSZoning"], 100, "Key"))


def _job_schema() -> dict[str, Any]:
    from roost_house_prices.schema import INPUT_SCHEMA  # noqa: PLC0415

    return dict(INPUT_SCHEMA)


class TestRecords:
    """Columns become record values as a JSON body would carry them."""

    def test_nulls_and_nan_become_none(self) -> None:
        """Arrow nulls and float NaN both arrive as None."""
        values = column_values(pa.array([1.5, None, math.nan]))
        assert values == [1.5, None, None]

    def test_number_text_becomes_numbers(self) -> None:
        """Plain decimal text turns into the number Python would read."""
        texts = ["12", "-0.5", "1e3", ".25", "7.", None]
        values = column_values(pa.array(texts), {"type": "float"})
        assert values == [12.0, -0.5, 1000.0, 0.25, 7.0, None]

    def test_other_text_is_left_for_validation(self) -> None:
        """Text that is no plain number stays text, so validation words the error."""
        values = column_values(pa.array(["5", "lots", " 6", "+7"]), {"type": "integer"})
        assert values == [5, "lots", " 6", "+7"]

    def test_long_integer_text_stays_exact(self) -> None:
        """Integer text beyond 15 digits is not read through float64."""
        big = "123456789012345678"
        assert column_values(pa.array([big]), {"type": "integer"}) == [big]

    def test_absent_columns_are_absent_keys(self) -> None:
        """A field the file lacks is missing from the record, not None."""
        table = pa.table({"x": [1.0], "other": ["ignored"]})
        records = to_records(table.to_batches()[0], {"x": {}, "label": {}})
        assert records == [{"x": 1.0}]


class TestOutputLayout:
    """Where predictions and errors are written."""

    def test_file_output_puts_errors_beside_it(self, tmp_path: Path) -> None:
        """`out.parquet` gets `out.errors.parquet`."""
        layout = OutputLayout.decide(tmp_path / "out.parquet")
        assert (layout.parts, layout.format) == (False, "parquet")
        assert layout.errors == tmp_path / "out.errors.parquet"

    def test_folder_output_holds_parts(self, tmp_path: Path) -> None:
        """A path without a known suffix is a folder of numbered parts."""
        layout = OutputLayout.decide(tmp_path / "out", output_format="csv")
        assert layout.part(3) == (
            tmp_path / "out" / "part-00003.csv",
            tmp_path / "out.errors" / "part-00003.csv",
        )

    def test_existing_output_needs_overwrite(self, tmp_path: Path) -> None:
        """An existing result is kept unless --overwrite is given."""
        (tmp_path / "out.csv").write_text("row,prediction\n")
        layout = OutputLayout.decide(tmp_path / "out.csv")
        with pytest.raises(BatchInputError, match="--overwrite"):
            layout.prepare(overwrite=False)
        layout.prepare(overwrite=True)
        assert not (tmp_path / "out.csv").exists()

    def test_conflicting_format_is_refused(self, tmp_path: Path) -> None:
        """A .csv output cannot be asked to be Parquet."""
        with pytest.raises(BatchInputError, match="csv by its suffix"):
            OutputLayout.decide(tmp_path / "out.csv", output_format="parquet")


class TestTableSink:
    """How result tables are written."""

    def test_parquet_dictionaries_only_for_texts(self, tmp_path: Path) -> None:
        """Numbers are written plain; labels and reasons as dictionaries."""
        table = pa.table(
            {
                "row": pa.array(range(1000), type=pa.int64()),
                "prediction": pa.array(np.linspace(1.0, 2.0, 1000)),
                "label": pa.array(["yes", "no"] * 500),
            }
        )
        with TableSink(tmp_path / "out.parquet", "parquet") as sink:
            sink.write(table)
        written = pq.ParquetFile(tmp_path / "out.parquet")
        chunks = written.metadata.row_group(0)
        encodings = {
            chunks.column(i).path_in_schema: set(chunks.column(i).encodings)
            for i in range(chunks.num_columns)
        }
        assert "RLE_DICTIONARY" not in encodings["row"] | encodings["prediction"]
        assert "RLE_DICTIONARY" in encodings["label"]
        assert written.read().equals(table)


class TestRunLocal:
    """The local engine scores every piece in this process."""

    @pytest.mark.parametrize("kind", ["parquet", "csv"])
    def test_matches_online_route_into_one_file(
        self,
        kind: str,
        batch_inputs: dict[str, Path],
        online_expected: list[Any],
        house_prices_model_dir: Path,
        tmp_path: Path,
    ) -> None:
        """Predictions equal the online route's; invalid rows are errors by position."""
        job = batch_job(house_prices_model_dir)
        layout = OutputLayout.decide(tmp_path / "out.parquet")
        layout.prepare(overwrite=False)
        pieces = plan_pieces(input_files(batch_inputs[kind]), job.batch_size)
        summary = run_local(job, pieces, layout, progress=False)
        assert (summary.counts.rows, summary.counts.invalid) == (1460, len(BROKEN))
        errors = check_output(layout, online_expected)
        reasons = dict(zip(errors["field"], errors["reason"], strict=True))
        assert reasons["GrLivArea"] == "min value is 1"
        assert "rows/s" in summary.render()

    def test_id_column_is_carried_into_csv_parts(
        self,
        batch_inputs: dict[str, Path],
        online_expected: list[Any],
        house_prices_model_dir: Path,
        tmp_path: Path,
    ) -> None:
        """With an id column, part files carry it to predictions and errors."""
        job = batch_job(house_prices_model_dir)
        job = BatchJob(job.adapter_class, job.context, "Id", batch_size=100)
        layout = OutputLayout.decide(tmp_path / "out", output_format="csv")
        layout.prepare(overwrite=False)
        pieces = plan_pieces(input_files(batch_inputs["parquet"]), job.batch_size)
        run_local(job, pieces, layout, progress=False)
        assert len(list(layout.predictions.glob("part-*.csv"))) == len(pieces)
        check_output(layout, online_expected, id_column="Id")

    def test_refused_rows_are_found_and_reported(self, tmp_path: Path) -> None:
        """Rows the adapter refuses become errors; their batch-mates are predicted."""
        source = tmp_path / "x.csv"
        pd.DataFrame({"x": [1.0, 13.0, 2.0, 3.0, 13.0, 4.0]}).to_csv(source)
        job = batch_job(tmp_path, "echo", TESTING_NAMESPACE, "1.0")
        layout = OutputLayout.decide(tmp_path / "out.csv")
        layout.prepare(overwrite=False)
        run_local(job, plan_pieces([source], 8), layout, progress=False)
        predictions = pd.read_csv(layout.predictions)
        assert predictions["prediction"].tolist() == [1.0, 2.0, 3.0, 4.0]
        errors = pd.read_csv(layout.errors)
        assert errors["row"].tolist() == [1, 4]
        assert set(errors["reason"]) == {"refused by the adapter: x must not be 13"}

    def test_multi_output_adapter_gets_one_column_per_output(
        self, tmp_path: Path
    ) -> None:
        """Labels become `prediction`, probabilities one column per class."""
        source = tmp_path / "n.parquet"
        pd.DataFrame({"n": [1, 2]}).to_parquet(source)
        job = batch_job(tmp_path, "parity", TESTING_NAMESPACE)
        layout = OutputLayout.decide(tmp_path / "out.parquet")
        layout.prepare(overwrite=False)
        run_local(job, plan_pieces([source], 8), layout, progress=False)
        table = pq.read_table(layout.predictions).to_pydict()
        assert table == {
            "row": [0, 1],
            "prediction": ["odd", "even"],
            "probability_even": [0.0, 1.0],
            "probability_odd": [1.0, 0.0],
        }

    def test_scorer_is_loaded_once_per_process(
        self, house_prices_model_dir: Path
    ) -> None:
        """The same job gets the same loaded scorer every time."""
        job = batch_job(house_prices_model_dir)
        first = scorer_for(job)
        assert isinstance(first, Scorer)
        assert scorer_for(BatchJob(job.adapter_class, job.context, "Id")) is first


class TestRunDask:
    """The Dask engine's checks that need no cluster (tests/integration has one)."""

    def test_file_output_is_refused(
        self, house_prices_model_dir: Path, tmp_path: Path
    ) -> None:
        """Dask writes part files, so a single-file output is an error."""
        job = batch_job(house_prices_model_dir)
        layout = OutputLayout.decide(tmp_path / "out.csv")
        with pytest.raises(ValueError, match="folder of part files"):
            run_dask(job, [], layout, scheduler="tcp://127.0.0.1:1", progress=False)


class _Answers(ModelAdapter):
    """Answer every declared output with fixed arrays, whatever the rows."""

    name = "answers"
    version = "1.0"
    task = "regression"
    input_schema = {"x": {"type": "float"}}  # noqa: RUF012 - the contract's attribute
    answer: dict[str, Any] = {}  # noqa: RUF012 - set per test class

    def predict(self, frame: pd.DataFrame) -> dict[str, Any]:
        """Return the class's answer."""
        return self.answer


def _answering(outputs: tuple[Output, ...], answer: dict[str, Any]) -> ModelAdapter:
    adapter_class = type(
        "Answering", (_Answers,), {"outputs": outputs, "answer": answer}
    )
    return adapter_class(AdapterContext("answers", "1.0", Path()))


#: Declared outputs, and answers to them, of every numeric kind the path keeps.
ANSWERS: list[tuple[tuple[Output, ...], dict[str, Any]]] = [
    (
        (Output.number(),),
        {"predictions": np.array([1.5, np.nan, np.inf, -np.inf, 2.0**60])},
    ),
    ((Output.number(),), {"predictions": np.array([np.nan] * 5)}),
    ((Output.number(),), {"predictions": np.array([1, 2, 3, 4, 5], dtype=np.int32)}),
    ((Output.number(datatype="INT64"),), {"predictions": np.arange(5)}),
    ((Output.number(datatype="INT64"),), {"predictions": np.arange(5.0)}),
    ((Output.number(datatype="BOOL"),), {"predictions": np.arange(5) > 2}),
    (
        (Output.number(datatype="FP32"),),
        {"predictions": np.array([0.1, 0.2, np.nan, 4, 5], dtype=np.float32)},
    ),
    (
        (Output.label(["no", "yes"]), Output.probabilities(["no", "yes"])),
        {
            "predictions": np.array(["no", "yes", "no", None, "yes"], dtype=object),
            "probabilities": np.array(
                [[0.25, 0.75], [1.0, 0.0], [np.nan, 1.0], [0.5, 0.5], [0.0, np.inf]]
            ),
        },
    ),
    (
        (Output("codes", "INT64", width=2), Output("notes", "BYTES")),
        {
            "codes": np.arange(10).reshape(5, 2),
            "notes": pd.Series(["a", None, "c", "d", "e"]),
        },
    ),
]


class TestArrayOutputs:
    """Predictions kept as arrays write the same tables as JSON-ready lists."""

    @pytest.mark.parametrize(("outputs", "answer"), ANSWERS)
    def test_table_equals_the_lists_table(
        self, outputs: tuple[Output, ...], answer: dict[str, Any]
    ) -> None:
        """Same columns, types and values, nulls where JSON answers null."""
        adapter = _answering(outputs, answer)
        frame = pd.DataFrame({"x": np.arange(5.0)})
        ids = pa.array(np.arange(5))
        arrays = predict_arrays(adapter, frame, "answers", "1.0")
        lists = predict_outputs(adapter, frame, "answers", "1.0")
        fast = _prediction_table("row", ids, outputs, arrays)
        slow = _prediction_table("row", ids, outputs, lists)
        assert fast.schema == slow.schema
        assert fast.to_pylist() == slow.to_pylist()

    def test_numbers_stay_arrays(self) -> None:
        """Numeric outputs are numpy arrays, labels JSON-ready lists."""
        outputs, answer = ANSWERS[7]
        adapter = _answering(outputs, answer)
        frame = pd.DataFrame({"x": np.arange(5.0)})
        arrays = predict_arrays(adapter, frame, "answers", "1.0")
        assert isinstance(arrays["probabilities"], np.ndarray)
        assert arrays["predictions"] == ["no", "yes", "no", None, "yes"]

    def test_refused_rows_join_arrays_as_the_lists_would(self, tmp_path: Path) -> None:
        """Halving around refused rows keeps the other rows' answers in order."""
        job = batch_job(tmp_path, "echo", TESTING_NAMESPACE, "1.0")
        scorer = scorer_for(job)
        values = [1.0, 13.0, 2.5, 3.0, 13.0, 4.0, 5.0]
        batch = pa.RecordBatch.from_pydict({"x": values})
        predictions, errors = scorer.score(batch, 10)
        assert predictions.to_pydict() == {
            "row": [10, 12, 13, 15, 16],
            "prediction": [1.0, 2.5, 3.0, 4.0, 5.0],
        }
        assert errors["row"].to_pylist() == [11, 14]
