"""The ONNX session's input tensors, built from the estimator's frame."""

from __future__ import annotations

import numpy as np
import pandas as pd

from roost_sklearn.onnx_feeds import MISSING_STRING, feeds


def test_columns_become_typed_column_vectors() -> None:
    """Each column is a [rows, 1] tensor of the graph's type; strings stay text."""
    frame = pd.DataFrame({"size": [1, 2], "colour": ["red", "blue"]})
    tensors = feeds(frame, {"size": np.float32, "colour": object})
    assert tensors["size"].dtype == np.float32
    assert tensors["size"].tolist() == [[1.0], [2.0]]
    assert tensors["colour"].shape == (2, 1)
    assert tensors["colour"].tolist() == [["red"], ["blue"]]


def test_missing_strings_are_empty_and_the_frame_is_untouched() -> None:
    """None and NaN text go in as the empty string; the caller's frame keeps them."""
    frame = pd.DataFrame({"colour": ["red", None, np.nan], "size": [1.0, None, 3.0]})
    tensors = feeds(frame, {"colour": object, "size": np.float64})
    assert tensors["colour"].ravel().tolist() == ["red", MISSING_STRING, MISSING_STRING]
    assert np.isnan(tensors["size"][1, 0])
    assert frame["colour"].isna().tolist() == [False, True, True]
