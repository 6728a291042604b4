"""The data plane: one set of rules for v1 records, V2 tensors and batch pieces."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, ClassVar

import falcon.testing
import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pytest
from adapter_registry import registry_of
from roost_fixture_echo import EchoAdapter

from roost.controllers.app import create_app
from roost.core import AdapterContext, ModelAdapter
from roost.core.batch.inputs import to_batch as piece_to_batch
from roost.core.batch.inputs import to_records as piece_to_records
from roost.core.contract.registry import AdapterEntry, Registry
from roost.core.errors import AdapterError, BadRequestError, PayloadTooLargeError
from roost.core.runtime.settings import Settings
from roost.core.serving.dataplane import DataPlane, PredictionRecord
from roost.core.serving.input_batch import InputBatch
from roost.core.serving.limits import IntakeLimits, enforce_limits
from roost.core.serving.tensors import Tensor, to_batch, to_records
from roost.core.serving.validation import RecordValidator

TESTING = "roost.adapters.testing"
HEADER = "Inference-Header-Content-Length"
LIMIT = 50


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> falcon.testing.TestClient:
    """An app serving the test adapters with at most 50 records a request."""
    settings = Settings.for_profile(
        "testing",
        adapter_namespace=TESTING,
        model_dir=tmp_path_factory.mktemp("models"),
        max_records=LIMIT,
        default_model="echo",
    )
    return falcon.testing.TestClient(create_app(settings))


def _v2_json(rows: int) -> dict[str, Any]:
    return {
        "inputs": [
            {"name": "x", "datatype": "FP64", "shape": [rows], "data": [1.5] * rows}
        ]
    }


def _v2_binary(rows: int) -> tuple[bytes, dict[str, str]]:
    data = np.full(rows, 1.5, dtype="<f8").tobytes()
    header = orjson.dumps(
        {
            "inputs": [
                {
                    "name": "x",
                    "datatype": "FP64",
                    "shape": [rows],
                    "parameters": {"binary_data_size": len(data)},
                }
            ]
        }
    )
    return header + data, {HEADER: str(len(header))}


class TestRecordLimitOnEveryProtocol:
    """ROOST_MAX_RECORDS holds whichever way the rows arrive."""

    @pytest.mark.parametrize("rows", [LIMIT + 1, 4 * LIMIT])
    def test_v2_json_over_the_limit_is_413(
        self, limited: falcon.testing.TestClient, rows: int
    ) -> None:
        """A V2 JSON infer with more rows than allowed is refused with 413."""
        result = limited.simulate_post("/v2/models/echo/infer", json=_v2_json(rows))
        assert result.status_code == 413, result.text
        assert f"{rows} records in one request" in result.json["error"]
        assert "ROOST_MAX_RECORDS" in result.json["error"]

    def test_v2_binary_over_the_limit_is_413(
        self, limited: falcon.testing.TestClient
    ) -> None:
        """A V2 binary-tensor infer with more rows than allowed is refused with 413."""
        body, headers = _v2_binary(LIMIT + 1)
        result = limited.simulate_post(
            "/v2/models/echo/infer",
            body=body,
            headers={**headers, "Content-Type": "application/octet-stream"},
        )
        assert result.status_code == 413, result.text
        assert f"{LIMIT + 1} records in one request" in result.json["error"]

    def test_v2_at_the_limit_is_answered(
        self, limited: falcon.testing.TestClient
    ) -> None:
        """Exactly the allowed number of rows, JSON or binary, is predicted."""
        result = limited.simulate_post("/v2/models/echo/infer", json=_v2_json(LIMIT))
        assert result.status_code == 200, result.text
        assert result.json["outputs"][0]["shape"][0] == LIMIT
        body, headers = _v2_binary(LIMIT)
        result = limited.simulate_post(
            "/v2/models/echo/infer",
            body=body,
            headers={**headers, "Content-Type": "application/octet-stream"},
        )
        assert result.status_code == 200, result.text

    @pytest.mark.parametrize(
        "path", ["/v1/models/echo/predict", "/v1/predict/regression"]
    )
    def test_v1_over_the_limit_is_413(
        self, limited: falcon.testing.TestClient, path: str
    ) -> None:
        """v1 bodies, flat (column-decoded) or not, are held to the same limit."""
        flat = [{"x": 1.0, "label": "a", "count": 1}] * (LIMIT + 1)
        ragged = [{"x": 1.0}] * (LIMIT + 1)
        for body in (flat, ragged):
            result = limited.simulate_post(path, json=body)
            assert result.status_code == 413, result.text
            assert result.json["error"] == (
                f"{LIMIT + 1} records in one request; at most {LIMIT} are allowed "
                "(ROOST_MAX_RECORDS)"
            )

    def test_empty_v2_infer_is_400(self, limited: falcon.testing.TestClient) -> None:
        """A V2 infer of zero rows is refused as v1's empty list is."""
        result = limited.simulate_post("/v2/models/echo/infer", json=_v2_json(0))
        assert result.status_code == 400
        assert result.json["error"] == "the body holds no records"


class TestEnforceLimits:
    """The one check every protocol's batch passes."""

    limits = IntakeLimits(max_records=3, max_fields_per_record=2)

    def test_counts_rows(self) -> None:
        """Four rows against a limit of three is PayloadTooLarge."""
        with pytest.raises(PayloadTooLargeError, match="4 records"):
            enforce_limits(InputBatch.of_records([{}] * 4), self.limits)

    def test_names_the_first_record_over_the_limit(self) -> None:
        """The first record with too many fields is named, not the widest."""
        records = [{"a": 1}, {"a": 1, "b": 2, "c": 3}, {"a": 1, "b": 2, "c": 3, "d": 4}]
        with pytest.raises(BadRequestError, match="record 1 has 3 fields"):
            enforce_limits(InputBatch.of_records(records), self.limits)

    def test_columns_are_as_wide_as_their_fields(self) -> None:
        """A column batch of three fields is too wide for a limit of two."""
        batch = InputBatch.of_columns({"a": [1], "b": [2], "c": [3]}, 1)
        with pytest.raises(BadRequestError, match="record 0 has 3 fields"):
            enforce_limits(batch, self.limits)

    def test_within_limits_passes(self) -> None:
        """Three rows of two fields pass."""
        enforce_limits(InputBatch.of_records([{"a": 1, "b": 2}] * 3), self.limits)


class TestDecodedAlike:
    """Every protocol's batch holds the rows its record form holds."""

    schema = EchoAdapter.input_schema

    @pytest.mark.parametrize(
        "tensors",
        [
            [
                Tensor("x", "FP64", (2,), [1.5, 2.0]),
                Tensor("label", "BYTES", (2,), ["a", ""]),
                Tensor("count", "INT64", (2, 1), [3, 4]),
            ],
            [
                Tensor("x", "FP64", (2,), [1.5, 2.0]),
                Tensor("count", "FP64", (2,), [None, 5.0]),
            ],
            [
                Tensor("count", "INT64", (2,), [1, 2]),
                Tensor("x", "FP64", (2,), [1.5, None]),
                Tensor("label", "BYTES", (2,), [None, "b"]),
            ],
        ],
    )
    def test_v2_batch_rows_equal_the_records(self, tensors: list[Tensor]) -> None:
        """A V2 batch's rows, column or record form, are `to_records`'s."""
        batch = to_batch(tensors, self.schema)
        expected = to_records(tensors, self.schema)
        assert batch.count == len(expected)
        assert list(batch.records()) == expected
        # What reaches the model: the batch's validation equals the records'.
        validator = RecordValidator(self.schema)
        by_batch = validator.validate_batch(batch)
        by_records = validator.validate(expected)
        pd.testing.assert_frame_equal(by_batch.frame, by_records.frame)
        assert by_batch.problems == by_records.problems
        assert by_batch.valid_rows == by_records.valid_rows
        if batch.columns is not None:
            rows = [
                dict(zip(batch.fields, r, strict=True))
                for r in zip(*batch.columns.values(), strict=True)
            ]
            assert rows == expected

    def test_complete_v2_tensors_stay_columns(self) -> None:
        """Every field present and no gaps: the batch is columns in schema order."""
        tensors = [
            Tensor("count", "INT64", (2,), [3, 4]),
            Tensor("label", "BYTES", (2,), ["a", "b"]),
            Tensor("x", "FP64", (2,), [1.5, 2.0]),
        ]
        batch = to_batch(tensors, self.schema)
        assert batch.fields == ("x", "label", "count")
        assert batch.columns == {"x": [1.5, 2.0], "label": ["a", "b"], "count": [3, 4]}

    def test_batch_pieces_equal_their_records(self) -> None:
        """A file piece's batch holds what its records hold, columns or not."""
        complete = pa.record_batch(
            {"x": [1.0, None], "label": ["a", None], "count": [1, 2], "id": [7, 8]}
        )
        partial = pa.record_batch({"x": [1.0, 2.0]})
        for piece in (complete, partial):
            batch = piece_to_batch(piece, self.schema)
            assert list(batch.records()) == piece_to_records(piece, self.schema)
        assert piece_to_batch(complete, self.schema).columns is not None
        assert piece_to_batch(partial, self.schema).columns is None


class _FrameSizes(ModelAdapter):
    """Answer each row with how many rows shared its predict call."""

    name = "frame-sizes"
    version = "1.0"
    task = "regression"
    input_schema: ClassVar[dict[str, Any]] = {"x": {"type": "float", "required": True}}

    def predict(self, frame: pd.DataFrame) -> pd.Series:
        """Hold the call a moment so concurrent requests queue up behind it."""
        threading.Event().wait(0.02)
        return pd.Series([float(len(frame))] * len(frame))


def _plane(tmp_path: Path, batching: tuple[int, float] | None) -> DataPlane:
    context = AdapterContext("frame-sizes", "1.0", tmp_path)
    adapter = _FrameSizes(context)
    entry = AdapterEntry(
        "frame-sizes", "1.0", "test", _FrameSizes, context, adapter, loaded=True
    )
    return DataPlane(Registry([entry]), batching=batching)


class TestMicroBatching:
    """ROOST_BATCH_MAX_ROWS > 1 merges concurrent requests into one call."""

    def _sizes(self, plane: DataPlane) -> list[float]:
        def ask(x: int) -> Any:
            batch = InputBatch.of_records([{"x": float(x)}])
            return plane.predict("frame-sizes", batch).predictions[0]

        with ThreadPoolExecutor(max_workers=16) as pool:
            return list(pool.map(ask, range(64)))

    def test_concurrent_rows_share_calls(self, tmp_path: Path) -> None:
        """With batching on, some of 64 concurrent 1-row requests share a call."""
        sizes = self._sizes(_plane(tmp_path, (32, 0.01)))
        assert max(sizes) > 1, sizes
        assert all(size <= 32 for size in sizes)

    def test_off_means_one_call_per_request(self, tmp_path: Path) -> None:
        """With batching off, every 1-row request is its own call."""
        assert set(self._sizes(_plane(tmp_path, None))) == {1.0}

    def test_rows_per_call_are_measured(self, tmp_path: Path) -> None:
        """roost_batch_rows counts calls by their size, batched or not."""
        plane = _plane(tmp_path, (32, 0.01))
        self._sizes(plane)
        text = plane.metrics.render().decode()
        calls = [
            line
            for line in text.splitlines()
            if line.startswith("roost_batch_rows_count{")
        ]
        assert calls, text
        count = float(calls[0].rsplit(" ", 1)[1])
        assert 0 < count < 64


class _BrokenSchema(ModelAdapter):
    """Declare a field's rules as a string, which no validator can read."""

    name = "broken-schema"
    version = "1.0"
    task = "regression"
    input_schema: ClassVar[dict[str, Any]] = {"x": "float"}

    def predict(self, frame: pd.DataFrame) -> pd.Series:
        """Never reached."""
        return frame["x"]


class TestBrokenSchema:
    """A schema the validator cannot read harms only its own adapter."""

    def test_is_not_ready_and_the_rest_serve(self, tmp_path: Path) -> None:
        """The broken adapter is reported with the reason; echo still predicts."""
        registry = registry_of(tmp_path, _BrokenSchema, EchoAdapter)
        registry.load_all()
        plane = DataPlane(registry)
        broken = registry.lookup("broken-schema")
        assert not broken.ready
        assert (broken.error or "").startswith("invalid input schema")
        ready, reason = plane.readiness.check()
        assert not ready
        assert "broken-schema 1.0" in reason
        echo = plane.predict("echo", InputBatch.of_records([{"x": 2.0}]))
        assert echo.predictions == [2.0]


class _Collecting:
    """An observer that keeps every record it is shown."""

    def __init__(self) -> None:
        self.records: list[PredictionRecord] = []

    def observe(self, record: PredictionRecord) -> None:
        """Keep the record."""
        self.records.append(record)


class _Failing:
    """An observer that always raises."""

    def observe(self, record: PredictionRecord) -> None:
        """Fail, as a broken observer might."""
        raise RuntimeError("observer broke")


class TestObservers:
    """Observers see each answered request's valid rows and outputs."""

    def test_observer_sees_valid_rows_and_their_outputs(self, tmp_path: Path) -> None:
        """Rows that failed validation are not shown; outputs align with rows."""
        seen = _Collecting()
        context = AdapterContext("echo", "1.0", tmp_path)
        entry = AdapterEntry(
            "echo", "1.0", "t", EchoAdapter, context, EchoAdapter(context), loaded=True
        )
        plane = DataPlane(Registry([entry]), observers=[_Failing(), seen])
        records = [{"x": 1.5}, {"x": "nope"}, {"x": 4.0}]
        result = plane.predict("echo", InputBatch.of_records(records), partial=True)
        assert result.predictions == [1.5, None, 4.0]  # the failing observer is ignored
        (record,) = seen.records
        assert (record.name, record.version) == ("echo", "1.0")
        assert record.valid_rows == (0, 2)
        assert record.frame["x"].tolist() == [1.5, 4.0]
        assert record.outputs == {"predictions": [1.5, 4.0]}
        assert record.latency >= 0


class _ColumnReader(ModelAdapter):
    """Double x, by the road roost chose; note each road taken and its rows."""

    name = "column-reader"
    version = "1.0"
    task = "regression"
    input_schema: ClassVar[dict[str, Any]] = {
        "x": {"type": "float", "required": True},
        "tag": {"type": "string", "required": True, "nullable": True},
    }

    def __init__(self, context: AdapterContext) -> None:
        super().__init__(context)
        self.calls: list[tuple[str, int]] = []

    def predict(self, frame: pd.DataFrame) -> list[float]:
        """Double the frame's x."""
        self.calls.append(("frame", len(frame)))
        return [2 * value for value in frame["x"].tolist()]

    def predict_columns(self, columns: Any, rows: int) -> Any:
        """Double the column x, unless the option `decline` (or `refuse`) is set."""
        if self.context.options.get("decline"):
            return NotImplemented
        if self.context.options.get("refuse"):
            raise AdapterError("x cannot be doubled today")
        self.calls.append(("columns", rows))
        return [2 * float(value) for value in columns["x"]]


def _reader_plane(
    tmp_path: Path,
    *,
    batching: tuple[int, float] | None = None,
    decline: bool = False,
    refuse: bool = False,
) -> tuple[DataPlane, _ColumnReader, _Collecting]:
    options = {"decline": decline, "refuse": refuse}
    context = AdapterContext("column-reader", "1.0", tmp_path, options)
    adapter = _ColumnReader(context)
    entry = AdapterEntry(
        "column-reader", "1.0", "test", _ColumnReader, context, adapter, loaded=True
    )
    seen = _Collecting()
    plane = DataPlane(Registry([entry]), batching=batching, observers=[seen])
    return plane, adapter, seen


def _columns(rows: int) -> InputBatch:
    xs = [float(row) for row in range(rows)]
    tags = [None if row % 2 else "a" for row in range(rows)]
    return InputBatch.of_columns({"x": xs, "tag": tags}, rows)


class TestColumnsRoad:
    """Small batches valid as they came reach `predict_columns`, with no frame."""

    def test_small_valid_batch_skips_the_frame(self, tmp_path: Path) -> None:
        """3 rows: one columns call; observers get the frame only when they ask."""
        plane, adapter, seen = _reader_plane(tmp_path)
        result = plane.predict("column-reader", _columns(3))
        assert result.predictions == [0.0, 2.0, 4.0]
        assert adapter.calls == [("columns", 3)]
        (record,) = seen.records
        assert not isinstance(record.source, pd.DataFrame)  # not built yet
        assert record.frame["x"].tolist() == [0.0, 1.0, 2.0]
        assert record.frame["tag"].tolist() == ["a", None, "a"]
        assert record.frame is record.frame  # built once

    def test_calls_are_counted_by_rows(self, tmp_path: Path) -> None:
        """roost_batch_rows counts a columns call like any other."""
        plane, _adapter, _seen = _reader_plane(tmp_path)
        plane.predict("column-reader", _columns(3))
        text = plane.metrics.render().decode()
        assert 'roost_batch_rows_sum{model="column-reader",version="1.0"} 3.0' in text

    def test_a_refused_columns_call_is_counted(self, tmp_path: Path) -> None:
        """The adapter raised: the call is counted, as a refused frame call is."""
        plane, _adapter, seen = _reader_plane(tmp_path, refuse=True)
        with pytest.raises(AdapterError, match="cannot be doubled"):
            plane.predict("column-reader", _columns(3))
        text = plane.metrics.render().decode()
        assert 'roost_batch_rows_count{model="column-reader",version="1.0"} 1.0' in text
        assert 'roost_batch_rows_sum{model="column-reader",version="1.0"} 3.0' in text
        assert seen.records == []

    def test_declining_adapter_gets_the_frame(self, tmp_path: Path) -> None:
        """`NotImplemented` from predict_columns: the same rows go to predict."""
        plane, adapter, _seen = _reader_plane(tmp_path, decline=True)
        result = plane.predict("column-reader", _columns(3))
        assert result.predictions == [0.0, 2.0, 4.0]
        assert adapter.calls == [("frame", 3)]

    def test_large_batch_gets_the_frame(self, tmp_path: Path) -> None:
        """33 rows (over 32): predict, with a frame."""
        plane, adapter, _seen = _reader_plane(tmp_path)
        result = plane.predict("column-reader", _columns(33))
        assert result.predictions == [2.0 * row for row in range(33)]
        assert adapter.calls == [("frame", 33)]

    def test_batch_with_an_invalid_row_gets_the_frame(self, tmp_path: Path) -> None:
        """A row cerberus must word: the valid rows go to predict, in a frame."""
        plane, adapter, _seen = _reader_plane(tmp_path)
        batch = InputBatch.of_columns({"x": [1.0, "two"], "tag": ["a", "b"]}, 2)
        result = plane.predict("column-reader", batch, partial=True)
        assert result.predictions == [2.0, None]
        assert adapter.calls == [("frame", 1)]

    def test_micro_batching_merges_frames(self, tmp_path: Path) -> None:
        """With batching on, requests are merged as frames, never as columns."""
        plane, adapter, _seen = _reader_plane(tmp_path, batching=(8, 0.001))
        result = plane.predict("column-reader", _columns(2))
        assert result.predictions == [0.0, 2.0]
        assert adapter.calls == [("frame", 2)]
