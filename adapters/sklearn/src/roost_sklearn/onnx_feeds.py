"""The ONNX graph's inputs: one tensor per column, shaped [rows, 1].

Numbers go in as the graph's float type (float64 where the converters and
onnxruntime support it, else float32) with NaN where missing; strings as
strings. ONNX string tensors cannot hold NaN, so a missing string goes in as
the empty string; the packaging check compares the graph with scikit-learn on
the reference rows, missing values included, before the graph is kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from roost_sklearn.card import ModelCard
from roost_sklearn.inputs import ModelInputs
from roost_sklearn.schema_inference import is_number_rule

__all__ = ["MISSING_STRING", "column_kinds", "feeds", "input_dtypes"]

#: What a missing string is in an ONNX string tensor.
MISSING_STRING = ""

#: onnxruntime's name of an input's type -> the numpy dtype fed to it.
_DTYPES: Mapping[str, Any] = {
    "tensor(double)": np.float64,
    "tensor(float)": np.float32,
    "tensor(string)": object,
}


def column_kinds(card: ModelCard) -> dict[str, str]:
    """Each feature's tensor kind, `number` or `string`, in the card's order.

    Raises:
        ValueError: a column is neither (booleans have no converter input).
    """
    kinds: dict[str, str] = {}
    for name in card.features:
        rules = card.input_schema[name]
        if is_number_rule(rules):
            kinds[name] = "number"
        elif rules.get("type") == "string":
            kinds[name] = "string"
        else:
            raise ValueError(
                f"column {name!r} is {rules.get('type')}; the ONNX engine takes "
                "numbers and strings"
            )
    return kinds


def input_dtypes(session_inputs: Any) -> dict[str, Any]:
    """The numpy dtype of each of a session's inputs, by name.

    Raises:
        ValueError: an input has a type no column is fed as.
    """
    dtypes: dict[str, Any] = {}
    for node in session_inputs:
        dtype = _DTYPES.get(node.type)
        if dtype is None:
            raise ValueError(f"ONNX input {node.name!r} has type {node.type}")
        dtypes[node.name] = dtype
    return dtypes


def feeds(inputs: Mapping[str, Any], dtypes: Mapping[str, Any]) -> dict[str, Any]:
    """The session's inputs from the estimator's columns (`model_inputs`).

    `inputs` maps each column name to its values: `ModelInputs`, or a frame.
    """
    # NOTE: numpy, not pandas, per column: `Series.where`/`notna` cost tens
    # of microseconds each, more than the session's whole run on a few rows.
    tensors: dict[str, Any] = {}
    for name, dtype in dtypes.items():
        values = np.asarray(inputs[name], dtype=dtype)
        if dtype is object:
            known = (
                inputs.missing_mask(name) if isinstance(inputs, ModelInputs) else None
            )
            missing = pd.isna(values) if known is None else known
            if missing.any():
                values = values.copy()  # never write through to the caller's frame
                values[missing] = MISSING_STRING
        tensors[name] = values.reshape(-1, 1)
    return tensors
