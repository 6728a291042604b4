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
from roost.core.serving.outputs import output_rows
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
) -> list[Any]:
    """Check one adapter class against roost's contract; return its predictions.

    Checks: the class attributes; construction with a context only; training
    (when asked) saves an artifact; `load()` twice; the example records pass
    the adapter's own schema; `predict` returns one JSON-ready item per row,
    leaves its input frame unchanged, and predicts each row as it would alone.
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
    batch = RecordValidator(adapter_class.input_schema).validate(list(records))
    if batch.problems:
        raise _fail(adapter_class, f"example records fail its schema: {batch.problems}")
    frame = batch.frame
    before = frame.copy(deep=True)
    predictions = output_rows(adapter.predict(frame))
    if len(predictions) != len(frame):
        raise _fail(
            adapter_class,
            f"returned {len(predictions)} predictions for {len(frame)} rows",
        )
    if not frame.equals(before):
        raise _fail(adapter_class, "predict changed the frame it was given")
    try:
        orjson.dumps(predictions, option=orjson.OPT_SERIALIZE_NUMPY)
    except TypeError as exc:
        raise _fail(adapter_class, f"predictions are not JSON-ready: {exc}") from exc
    for row in range(len(frame)):
        alone = output_rows(adapter.predict(frame.iloc[[row]].reset_index(drop=True)))
        if not _same(alone[0], predictions[row]):
            raise _fail(
                adapter_class,
                f"row {row} predicts {alone[0]!r} alone but {predictions[row]!r} "
                "in a batch: predictions must not depend on other rows",
            )
    return copy.deepcopy(predictions)


def _same(left: Any, right: Any) -> bool:
    if isinstance(left, float) and isinstance(right, float):
        return left == right or abs(left - right) <= 1e-9 * max(abs(left), abs(right))
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(
            _same(left[k], right[k]) for k in left
        )
    return bool(pd.isna(left) and pd.isna(right)) if left != right else True
