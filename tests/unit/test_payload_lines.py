"""The payload log's line: strict JSON with the request's rows in and out."""

from __future__ import annotations

import json
import math

import pandas as pd

from roost.core.contract.outputs import Output
from roost.core.serving.dataplane import PredictionRecord
from roost.core.serving.payload.lines import payload_document, payload_line


def _record(
    frame: pd.DataFrame, outputs: dict[str, list[object]], declared: tuple[Output, ...]
) -> PredictionRecord:
    return PredictionRecord(
        "parity",
        "0.3",
        "req-1",
        frame,
        tuple(range(len(frame))),
        outputs,
        declared,
        1_700_000_000.25,
        0.0125,
    )


def _refuse(constant: str) -> None:
    raise AssertionError(f"{constant} is not strict JSON")


class TestPayloadLine:
    """One prediction renders as one strict JSON line with the documented keys."""

    def test_line_holds_every_documented_key(self) -> None:
        """Time, ids, model, version, rows, positions, inputs, outputs, latency."""
        declared = (
            Output.label(["even", "odd"]),
            Output.probabilities(["even", "odd"]),
        )
        record = _record(
            pd.DataFrame({"n": [2, 3]}),
            {"predictions": ["even", "odd"], "probabilities": [[1.0, 0.0], [0.0, 1.0]]},
            declared,
        )
        line = payload_line(record)
        assert line.endswith(b"\n")
        assert line.count(b"\n") == 1
        assert json.loads(line) == {
            "time": "2023-11-14T22:13:20.250000Z",
            "request_id": "req-1",
            "model": "parity",
            "version": "0.3",
            "rows": 2,
            "positions": [0, 1],
            "inputs": [{"n": 2}, {"n": 3}],
            "outputs": {
                "predictions": ["even", "odd"],
                "probabilities": [
                    {"even": 1.0, "odd": 0.0},
                    {"even": 0.0, "odd": 1.0},
                ],
            },
            "latency_ms": 12.5,
        }

    def test_missing_values_are_null_and_json_stays_strict(self) -> None:
        """NaN, infinity, None and pandas' NA are written as null, never NaN."""
        frame = pd.DataFrame(
            {
                "x": [math.nan, 1.0],
                "label": pd.array([None, "a"], dtype="string"),
                "count": pd.array([pd.NA, 3], dtype="Int64"),
            }
        )
        record = _record(frame, {"predictions": [math.inf, 1.0]}, (Output.number(),))
        line = payload_line(record).decode()
        parsed = json.loads(line, parse_constant=_refuse)
        assert parsed["inputs"] == [
            {"x": None, "label": None, "count": None},
            {"x": 1.0, "label": "a", "count": 3},
        ]
        assert parsed["outputs"] == {"predictions": [None, 1.0]}

    def test_only_the_outputs_asked_for_are_written(self) -> None:
        """An output the request did not ask for is absent, not null."""
        declared = (Output.label(["even", "odd"]),)
        record = _record(pd.DataFrame({"n": [5]}), {"predictions": ["odd"]}, declared)
        assert payload_document(record)["outputs"] == {"predictions": ["odd"]}
