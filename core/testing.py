"""Contract checks for adapter authors: run them from your own tests.

```python
from roost.core.testing import check_contract

def test_my_adapter_honours_roost_contract(tmp_path):
    check_contract(MyAdapter, model_dir=tmp_path, records=[{"area": 50.0}])
```

Each check raises AssertionError with a sentence saying what is wrong. Train
first (or point `model_dir` at a folder holding the artifact) if `load()`
needs one; `train=True` runs the adapter's own `train()` into `model_dir`.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import orjson
import pandas as pd

from roost.core.contract import artifacts
from roost.core.contract.adapter import (
    AdapterContext,
    ModelAdapter,
    check_adapter_class,
)
from roost.core.contract.outputs import PREDICTIONS
from roost.core.errors import PredictionError
from roost.core.serving.outputs import (
    OutputColumns,
    predict_column_outputs,
    predict_outputs,
    takes_outputs,
)
from roost.core.serving.validation import RecordValidator

__all__ = ["check_contract"]


def _fail(adapter_class: type[ModelAdapter], message: str) -> AssertionError:
    return AssertionError(f"{adapter_class.__name__}: {message}")


def check_contract(
    adapter_class: type[ModelAdapter],
    *,
    model_dir: Path,
    records: Sequence[Mapping[str, Any]],
    options: Mapping[str, Any] | None = None,
    train: bool = False,
    tolerance: float = 1e-9,
) -> list[Any]:
    """Check one adapter class against roost's contract; return its predictions.

    Checks: the class attributes and declared outputs; construction with a
    context only; training (when asked) saves an artifact; `load()` twice;
    the example records pass the adapter's own schema; `predict_columns`,
    when the adapter defines it, answers as `predict` does; `predict` returns
    every declared output (right row count, width and labels), JSON-ready,
    leaves its input frame unchanged, and predicts each row as it would
    alone (numbers within a relative `tolerance`); an adapter that takes
    an `outputs` keyword answers each output alone as it does together.
    Returns the `predictions` output.
    """
    check_adapter_class(adapter_class)
    if not records:
        raise _fail(adapter_class, "give at least one example record")
    context = AdapterContext(
        adapter_class.name, str(adapter_class.version), model_dir, dict(options or {})
    )
    if train:
        training = adapter_class(context).train()
        artifacts.save_artifact(
            model_dir,
            context.name,
            context.version,
            training.artifact,
            training.metrics,
        )
    adapter = adapter_class(context)
    adapter.load()
    adapter.load()  # the host may call it again; it must be safe
    validator = RecordValidator(adapter_class.input_schema)
    batch = validator.validate(list(records))
    if batch.problems:
        raise _fail(adapter_class, f"example records fail its schema: {batch.problems}")
    frame = batch.frame
    before = frame.copy(deep=True)
    outputs = _predict(adapter, frame)
    if not frame.equals(before):
        raise _fail(adapter_class, "predict changed the frame it was given")
    try:
        orjson.dumps(outputs, option=orjson.OPT_SERIALIZE_NUMPY)
    except TypeError as exc:
        raise _fail(adapter_class, f"outputs are not JSON-ready: {exc}") from exc
    for row in range(len(frame)):
        alone = _predict(adapter, frame.iloc[[row]].reset_index(drop=True))
        for name, column in outputs.items():
            if not _same(alone[name][0], column[row], tolerance):
                raise _fail(
                    adapter_class,
                    f"row {row} predicts {name} {alone[name][0]!r} alone but "
                    f"{column[row]!r} in a batch: outputs must not depend on "
                    "other rows",
                )
    _check_columns_agree(adapter, validator, records, outputs, tolerance)
    if takes_outputs(adapter):
        for name, column in outputs.items():
            only = _predict(adapter, frame, requested=(name,))
            pairs = zip(only[name], column, strict=True)
            if not all(_same(a, b, tolerance) for a, b in pairs):
                raise _fail(
                    adapter_class,
                    f"output {name!r} differs when asked for alone",
                )
    return copy.deepcopy(outputs[PREDICTIONS])


def _check_columns_agree(
    adapter: ModelAdapter,
    validator: RecordValidator,
    records: Sequence[Mapping[str, Any]],
    outputs: OutputColumns,
    tolerance: float,
) -> None:
    """`predict_columns`, where roost would call it, answers as `predict` does."""
    fields = validator.columns
    complete = [record for record in records if record.keys() >= set(fields)]
    if len(complete) != len(records):
        return  # roost hands such records to `predict` only
    columns = {field: [record[field] for record in records] for field in fields}
    checked = validator.validate_columns(columns, len(records))
    if checked is None or checked.columns is None:
        return  # not valid as they came: roost hands them to `predict`
    context = adapter.context
    try:
        answer = predict_column_outputs(
            adapter, checked.columns, len(records), context.name, context.version
        )
    except PredictionError as exc:
        raise _fail(type(adapter), f"predict_columns: {exc.reason}") from exc
    if answer is None:
        return  # declined: roost hands the frame to `predict`
    for name, column in outputs.items():
        pairs = zip(answer[name], column, strict=True)
        if not all(_same(a, b, tolerance) for a, b in pairs):
            raise _fail(
                type(adapter),
                f"predict_columns answers {name} {answer[name]!r} where "
                f"predict answers {column!r} for the same rows",
            )


def _predict(
    adapter: ModelAdapter,
    frame: pd.DataFrame,
    requested: tuple[str, ...] | None = None,
) -> OutputColumns:
    """Predict through the host's own call, turning its refusals into failures."""
    try:
        return predict_outputs(
            adapter, frame, adapter.context.name, adapter.context.version, requested
        )
    except PredictionError as exc:
        raise _fail(type(adapter), exc.reason) from exc


def _same(left: Any, right: Any, tolerance: float) -> bool:
    """Equal, numbers within a relative `tolerance`, lists item by item."""
    if isinstance(left, float) and isinstance(right, float):
        return left == right or abs(left - right) <= tolerance * max(
            abs(left), abs(right), 1.0
        )
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(
            _same(a, b, tolerance) for a, b in zip(left, right, strict=True)
        )
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(
            _same(left[k], right[k], tolerance) for k in left
        )
    return bool(pd.isna(left) and pd.isna(right)) if left != right else True
