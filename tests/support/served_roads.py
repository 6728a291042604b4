"""Predict the same small request by both of roost's roads, for comparison."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from roost.core.serving.validation import RecordValidator

__all__ = ["assert_labels_agree", "both_roads"]


def both_roads(
    adapter: Any, records: Sequence[Mapping[str, Any]]
) -> tuple[Any, Any] | None:
    """Answers of `predict_columns` and of `predict` to the same JSON records.

    The records (at most 32, every schema field present) are validated as
    roost validates a small request, and each road gets what roost would
    hand it. None when roost would hand them to `predict` only: a value
    that is not valid as it came.
    """
    validator = RecordValidator(type(adapter).input_schema)
    columns = {name: [record[name] for record in records] for name in validator.columns}
    checked = validator.validate_columns(columns, len(records))
    if checked is None or checked.columns is None:
        return None
    return (
        adapter.predict_columns(checked.columns, len(records)),
        adapter.predict(checked.frame),
    )


def assert_labels_agree(adapter: Any, rows: pd.DataFrame) -> None:
    """A classifier's labels and probabilities by both roads are equal, bitwise.

    `rows` (held-out rows with gaps) go as JSON records, as a client sends them.
    """
    assert rows.isna().any(axis=1).sum() > 0
    both = both_roads(adapter, json.loads(rows.to_json(orient="records")))
    assert both is not None
    from_columns, from_frame = both
    labels = from_columns["predictions"].tolist()
    assert labels == from_frame["predictions"].tolist()
    np.testing.assert_array_equal(
        from_columns["probabilities"], from_frame["probabilities"]
    )
