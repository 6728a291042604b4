"""The estimator's input columns: its order, float64 numbers, NaN for missing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from roost.core import AdapterError, Output
from roost_sklearn.card import ModelCard
from roost_sklearn.inputs import model_inputs


def card(*, named: bool = True) -> ModelCard:
    """A card of two inputs, fitted in the order colour, size."""
    return ModelCard(
        name="shop",
        version="1.0.0",
        task="regression",
        input_schema={
            "size": {"type": "float", "required": True},
            "rooms": {"type": "float", "nullable": True},
            "colour": {"type": "string", "nullable": True},
        },
        features=("colour", "size", "rooms"),
        outputs=(Output.number(),),
        artifact="model.skops",
        sha256="0" * 64,
        named_features=named,
    )


def served() -> pd.DataFrame:
    """Rows as roost's validation builds them: schema order, None for missing."""
    return pd.DataFrame(
        {
            "size": [1.5, 2.0, 3.0],
            "rooms": pd.Series([3, None, 1], dtype=object),
            "colour": pd.Series(["red", None, "blue"], dtype=object),
        }
    )


def test_columns_come_in_the_estimators_order_with_nan_for_missing() -> None:
    """Numbers as float64 and strings as objects, each gap a NaN."""
    inputs = model_inputs(served(), card())
    assert list(inputs) == ["colour", "size", "rooms"]
    assert inputs.rows == 3
    assert inputs["size"].dtype == np.float64
    assert inputs["rooms"].dtype == np.float64
    assert inputs["rooms"][0] == 3.0
    assert np.isnan(inputs["rooms"][1])
    assert inputs["colour"].dtype == object
    assert inputs["colour"][0] == "red"
    assert inputs["colour"][1] != inputs["colour"][1]  # NaN, not None
    mask = inputs.missing_mask("colour")  # found once, reused by the ONNX feeds
    assert mask is not None
    assert mask.tolist() == [False, True, False]
    assert inputs.missing_mask("size") is None  # numbers: NaN says it


def test_the_callers_frame_keeps_its_values() -> None:
    """Replacing None by NaN never writes through to the served frame."""
    frame = served()
    model_inputs(frame, card())
    assert frame["colour"].tolist() == ["red", None, "blue"]


def test_the_estimator_gets_a_frame_or_an_array_as_fitted() -> None:
    """Named features: a frame in the fitted order; otherwise its values."""
    named = model_inputs(served(), card()).for_estimator
    assert isinstance(named, pd.DataFrame)
    assert list(named.columns) == ["colour", "size", "rooms"]
    unnamed = model_inputs(served(), card(named=False)).for_estimator
    assert isinstance(unnamed, np.ndarray)
    assert unnamed.shape == (3, 3)
    assert unnamed[2, 0] == "blue"


def test_an_absent_optional_column_is_all_missing() -> None:
    """A nullable column the rows lack goes in as NaN; a required one is refused."""
    inputs = model_inputs(served().drop(columns=["rooms"]), card())
    assert np.isnan(inputs["rooms"]).all()
    with pytest.raises(AdapterError, match="size"):
        model_inputs(served().drop(columns=["size"]), card())
