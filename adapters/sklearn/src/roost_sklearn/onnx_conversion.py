"""Convert a fitted estimator to ONNX and check it against scikit-learn.

`roost package` converts with skl2onnx (one input per column, [rows, 1]:
float64 numbers, strings; classifiers give a probabilities tensor, not a
ZipMap), then predicts the reference rows with both. Labels must all agree;
the largest difference (absolute for probabilities, relative for regression
values) must be within the tolerance. Otherwise, or when conversion fails,
the package keeps the scikit-learn engine and its card says why.

Numbers are float64 where skl2onnx and onnxruntime both support it, else
float32. Note that skl2onnx converts a `SimpleImputer` of strings only when
its missing value is a string, not NaN (pandas' missing text): such a
pipeline keeps the scikit-learn engine, and the card says so.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from roost_sklearn.card import ModelCard, OnnxCheck
from roost_sklearn.engines import SklearnEngine
from roost_sklearn.inputs import ModelInputs
from roost_sklearn.onnx_engine import OnnxEngine
from roost_sklearn.onnx_feeds import column_kinds

__all__ = ["DEFAULT_TOLERANCE", "ONNX_FILE", "Conversion", "convert_and_check"]

#: The graph's file name inside a packaged model.
ONNX_FILE = "model.onnx"
#: Number precisions tried in turn: float64 first; float32 where a converter
#: or onnxruntime has no float64 kernel (the check measures what it costs).
NUMBER_TYPES = ("double", "float")
#: Largest difference allowed: absolute for probabilities, relative for values.
DEFAULT_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Conversion:
    """The outcome: the check for the card, and the graph when it passed."""

    check: OnnxCheck
    graph: bytes | None

    @property
    def passed(self) -> bool:
        """Whether the ONNX engine may serve the model."""
        return self.graph is not None


def convert_and_check(
    model: Any, card: ModelCard, inputs: ModelInputs, tolerance: float
) -> Conversion:
    """Convert `model`, predict `inputs` both ways, and keep the graph if they agree.

    `inputs` are the reference rows as the estimator takes them
    (`model_inputs`). Never raises for a model that cannot be converted: the
    returned check says why.
    """
    failures: list[str] = []
    for number in NUMBER_TYPES:
        try:
            graph = _convert(model, card, number)
            engine = OnnxEngine(graph, threads=1)
            break
        except Exception as exc:  # noqa: BLE001 - any converter failure is a refusal
            failures.append(f"{type(exc).__name__}: {_first_line(exc)}")
    else:
        reason = f"conversion failed: {_reasons(failures)}"
        return Conversion(OnnxCheck(tolerance=tolerance, refused=reason), None)
    reference = SklearnEngine(model)
    difference, refused = _compare(reference, engine, card, inputs)
    if refused is None and not difference <= tolerance:
        refused = (
            f"largest difference {difference:.3g} on {inputs.rows} reference "
            f"row(s) is above the tolerance {tolerance:g}"
        )
    check = OnnxCheck(
        tolerance=tolerance,
        max_difference=difference,
        refused=refused,
        file=None if refused else ONNX_FILE,
        sha256=None if refused else hashlib.sha256(graph).hexdigest(),
    )
    return Conversion(check, None if refused else graph)


def _convert(model: Any, card: ModelCard, number: str) -> bytes:
    """Convert with numbers as `number` (`double` or `float`) tensors."""
    from skl2onnx import to_onnx  # noqa: PLC0415 - the optional `onnx` extra
    from skl2onnx.common.data_types import (  # noqa: PLC0415
        DoubleTensorType,
        FloatTensorType,
        StringTensorType,
    )

    tensor = DoubleTensorType if number == "double" else FloatTensorType
    types = {"number": tensor, "string": StringTensorType}
    initial = [
        (name, types[kind]([None, 1])) for name, kind in column_kinds(card).items()
    ]
    options: dict[Any, Any] = {}
    if card.labels is not None:
        final = model.steps[-1][1] if hasattr(model, "steps") else model
        options[id(final)] = {"zipmap": False}
    onnx_model = to_onnx(model, initial_types=initial, options=options)
    data: bytes = onnx_model.SerializeToString()
    return data


def _compare(
    reference: SklearnEngine, engine: OnnxEngine, card: ModelCard, inputs: ModelInputs
) -> tuple[float, str | None]:
    """The largest difference, and why the graph is refused (None: it is not)."""
    want = reference.predict(inputs)
    got = engine.predict(inputs)
    if card.labels is None:
        scale = np.maximum(np.abs(want.astype(np.float64)), np.finfo(np.float64).tiny)
        relative = np.abs(got.astype(np.float64) - want) / scale
        return float(np.max(relative, initial=0.0)), None
    disagree = int(np.sum(np.asarray(got).astype(str) != want.astype(str)))
    difference = 0.0
    if engine.has_probabilities and callable(
        getattr(reference.estimator, "predict_proba", None)
    ):
        gap = np.abs(engine.predict_proba(inputs) - reference.predict_proba(inputs))
        difference = float(np.max(gap, initial=0.0))
    if disagree:
        return difference, f"{disagree} of {inputs.rows} reference label(s) disagree"
    return difference, None


def _reasons(failures: list[str]) -> str:
    """One reason when every precision failed alike, else each with its precision."""
    if len(set(failures)) == 1:
        return failures[0]
    return "; ".join(
        f"{number}: {failure}"
        for number, failure in zip(NUMBER_TYPES, failures, strict=True)
    )


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else "no message"
