"""One answered prediction as the payload log's JSON document and line."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import orjson
import pandas as pd

if TYPE_CHECKING:
    from roost.core.contract.outputs import Output
    from roost.core.serving.prediction_records import PredictionRecord

__all__ = ["input_rows", "output_columns", "payload_document", "payload_line"]


def payload_document(record: PredictionRecord) -> dict[str, Any]:
    """Describe one prediction: when, which request and model, rows in and out.

    `positions` are the logged rows' places in the request (rows that failed
    validation are left out); `inputs` and every list in `outputs` hold one
    item per logged row, in that order.
    """
    return {
        "time": iso_time(record.started),
        "request_id": record.request_id,
        "model": record.name,
        "version": record.version,
        "rows": len(record.valid_rows),
        "positions": list(record.valid_rows),
        "inputs": input_rows(record.frame),
        "outputs": output_columns(record.outputs, record.declared),
        "latency_ms": round(record.latency * 1000, 3),
    }


def payload_line(record: PredictionRecord) -> bytes:
    """Return the prediction's document as one strict JSON line (NaN: null)."""
    return dumps(payload_document(record)) + b"\n"


def dumps(document: Any) -> bytes:
    """Encode strict JSON: NaN and infinities become null, numpy values plain."""
    return orjson.dumps(document, option=orjson.OPT_SERIALIZE_NUMPY, default=str)


def iso_time(timestamp: float) -> str:
    """Return a wall-clock time as ISO 8601 in UTC, to the microsecond."""
    return datetime.fromtimestamp(timestamp, UTC).isoformat().replace("+00:00", "Z")


def input_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Return the validated rows as records; missing values become null."""
    rows = frame.astype(object).to_dict(orient="records")
    return [{str(field): _plain(value) for field, value in row.items()} for row in rows]


def output_columns(
    outputs: dict[str, list[Any]], declared: tuple[Output, ...]
) -> dict[str, list[Any]]:
    """Return each computed output, probabilities keyed by class as v1 answers."""
    columns: dict[str, list[Any]] = {}
    for output in declared:
        if output.name not in outputs:
            continue
        values = outputs[output.name]
        if output.kind == "probabilities" and output.labels is not None:
            keys = [str(label) for label in output.labels]
            values = [
                None if row is None else dict(zip(keys, row, strict=True))
                for row in values
            ]
        columns[output.name] = values
    return columns


def _plain(value: Any) -> Any:
    """Return None for pandas' missing markers (NA, NaT), else the value.

    orjson writes NaN and infinities as null itself.
    """
    if value is pd.NA or value is pd.NaT:
        return None
    return value
