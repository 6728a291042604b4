"""`roost package`: from a fitted scikit-learn model to an installable wheel.

```console
$ roost package --model band.skops --data houses.csv --target SalePrice
      --name house-band --version 1.0.0          # one line
```

Steps, one line each on stderr: read the data, load the model (skops, with
trusted types only; or joblib, re-saved with skops), infer the input schema,
check that the model predicts a sample of the data as it will be served,
pick the engine (`--engine auto`: ONNX when the converted graph agrees with
scikit-learn on the reference rows within `--onnx-tolerance`), write the
card, artifacts and reference rows, build the wheel. The wheel's path is the
last line on stdout.
"""

from __future__ import annotations

import dataclasses
import hashlib
import sys
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from roost.core import TASKS, Output
from roost_sklearn.card import CARD_FILE, ModelCard
from roost_sklearn.encoder_categories import strict_categories
from roost_sklearn.engines import SklearnEngine, library_versions
from roost_sklearn.inputs import model_inputs
from roost_sklearn.naming import (
    PackagingError,
    check_name,
    check_version,
    distribution_name,
    package_name,
)
from roost_sklearn.onnx_conversion import (
    DEFAULT_TOLERANCE,
    ONNX_FILE,
    convert_and_check,
)
from roost_sklearn.schema_inference import (
    DEFAULT_MAX_CATEGORIES,
    add_categories,
    infer_schema,
)
from roost_sklearn.sources import read_data, read_model
from roost_sklearn.wheel import ModelProject, build_wheel

__all__ = [
    "ARTIFACT_FILE",
    "ENGINE_CHOICES",
    "REFERENCE_FILE",
    "PackageRequest",
    "package_model",
]

ARTIFACT_FILE = "model.skops"
REFERENCE_FILE = "reference.parquet"
#: Rows of the data kept as reference rows (and predicted as the check).
REFERENCE_ROWS = 200
#: `--engine`: `auto` serves ONNX when its check passes, else scikit-learn.
ENGINE_CHOICES = ("auto", "onnx", "sklearn")


@dataclass(frozen=True)
class PackageRequest:
    """What `roost package` was asked to do."""

    model: Path
    data: Path
    name: str
    version: str
    task: str | None = None
    target: str | None = None
    output: Path = Path("dist")
    trust: tuple[str, ...] = ()
    max_categories: int = DEFAULT_MAX_CATEGORIES
    bounds: bool = False
    description: str = ""
    engine: str = "auto"
    onnx_tolerance: float = DEFAULT_TOLERANCE


def package_model(request: PackageRequest) -> Path:
    """Package the model as the request says; return the wheel's path.

    Raises:
        PackagingError: the request cannot be packaged; the message says why.
    """
    name = check_name(request.name)
    version = check_version(request.version)
    if request.task is not None and request.task not in TASKS:
        raise PackagingError(
            f"--task {request.task!r} is not one of {', '.join(TASKS)}"
        )
    if request.engine not in ENGINE_CHOICES:
        raise PackagingError(
            f"--engine {request.engine!r} is not one of {', '.join(ENGINE_CHOICES)}"
        )
    if not request.onnx_tolerance >= 0:
        raise PackagingError(
            f"--onnx-tolerance must be 0 or more, got {request.onnx_tolerance}"
        )
    _step(f"reading data {request.data}")
    data = read_data(request.data, request.target)
    with tempfile.TemporaryDirectory(prefix="roost-package-") as scratch:
        project = ModelProject(
            Path(scratch) / "project",
            name=name,
            version=version,
            distribution=distribution_name(name, version),
            package=package_name(name, version),
            requirement=_requirement(onnx=False),
        )
        folder = project.create()
        _step(f"loading model {request.model}")
        model, trusted = read_model(
            request.model, folder / ARTIFACT_FILE, request.trust
        )
        task = _task(model, request.task)
        features, named = _features(model, data)
        _step(f"inferring the input schema of {len(features)} column(s)")
        try:
            schema = infer_schema(
                data[list(features)],
                max_categories=request.max_categories,
                bounds=request.bounds,
            )
            add_categories(schema, strict_categories(model, features))
        except ValueError as exc:
            raise PackagingError(str(exc)) from exc
        reference = _reference_rows(data[list(features)])
        artifact = (folder / ARTIFACT_FILE).read_bytes()
        card = ModelCard(
            name=name,
            version=version,
            task=task,
            description=request.description or _describe(model, task),
            input_schema=schema,
            features=features,
            named_features=named,
            outputs=_outputs(model, task),
            labels=_labels(model, task),
            artifact=ARTIFACT_FILE,
            sha256=hashlib.sha256(artifact).hexdigest(),
            trusted_types=trusted,
            reference=REFERENCE_FILE,
            libraries=library_versions(),
        )
        _step(f"checking that the model predicts {len(reference)} sample row(s)")
        _check_predicts(SklearnEngine(model), card, reference)
        card = _pick_engine(request, model, card, reference, folder)
        if card.engine == "onnx":
            project.requirement = _requirement(onnx=True)
        reference.to_parquet(folder / REFERENCE_FILE, index=False)
        card.write(folder / CARD_FILE)
        project.write_pyproject()
        _step(f"building the wheel {project.distribution} {version}")
        return build_wheel(project, request.output)


def _pick_engine(
    request: PackageRequest,
    model: Any,
    card: ModelCard,
    reference: pd.DataFrame,
    folder: Path,
) -> ModelCard:
    """Convert to ONNX unless told not to; return the card naming the engine.

    Raises:
        PackagingError: `--engine onnx` and the ONNX graph was refused.
    """
    if request.engine == "sklearn":
        _step("engine sklearn (--engine sklearn)")
        return card
    _step(f"converting the model to ONNX and checking {len(reference)} row(s)")
    inputs = model_inputs(reference.astype(object).where(reference.notna(), None), card)
    conversion = convert_and_check(model, card, inputs, request.onnx_tolerance)
    check = conversion.check
    if conversion.graph is None:
        if request.engine == "onnx":
            raise PackagingError(
                f"--engine onnx: the ONNX graph was refused: {check.refused}"
            )
        _step(f"engine sklearn: ONNX refused: {check.refused}")
        return dataclasses.replace(card, onnx=check)
    (folder / ONNX_FILE).write_bytes(conversion.graph)
    _step(
        f"engine onnx: largest difference from scikit-learn {check.max_difference:.3g} "
        f"(tolerance {check.tolerance:g})"
    )
    return dataclasses.replace(card, engine="onnx", onnx=check)


def _requirement(*, onnx: bool) -> str:
    """The packaged wheel's dependency: roost-sklearn, with onnxruntime for ONNX."""
    extra = "[onnx]" if onnx else ""
    return f"roost-sklearn{extra}>={metadata.version('roost-sklearn')}"


def _step(message: str) -> None:
    print(f"roost package: {message}", file=sys.stderr, flush=True)


def _task(model: Any, requested: str | None) -> str:
    if not callable(getattr(model, "predict", None)):
        raise PackagingError(
            f"the model is a {type(model).__name__}, which has no predict(); "
            "give a fitted scikit-learn estimator or Pipeline"
        )
    from sklearn.base import is_classifier  # noqa: PLC0415

    task = requested or ("classification" if is_classifier(model) else "regression")
    if task == "classification" and getattr(model, "classes_", None) is None:
        raise PackagingError(
            f"the model is a {type(model).__name__} without classes_: "
            "not a fitted classifier, so it cannot be packaged for classification"
        )
    return task


def _features(model: Any, data: pd.DataFrame) -> tuple[tuple[str, ...], bool]:
    """The estimator's input columns, in its order; and whether it knows names."""
    names = getattr(model, "feature_names_in_", None)
    if names is not None:
        features = tuple(str(name) for name in names)
        absent = [name for name in features if name not in data.columns]
        if absent:
            raise PackagingError(
                f"the data lacks column(s) the model was fitted on: {', '.join(absent)}"
            )
        return features, True
    expected = getattr(model, "n_features_in_", None)
    if expected is not None and expected != len(data.columns):
        raise PackagingError(
            f"the model takes {expected} input column(s) but the data has "
            f"{len(data.columns)} (name the target with --target)"
        )
    return tuple(data.columns), False


def _describe(model: Any, task: str) -> str:
    """A default description: the task and the estimator, e.g. its last step."""
    steps = getattr(model, "steps", None)
    if steps:
        kind = f"Pipeline ending in {type(steps[-1][1]).__name__}"
    else:
        kind = type(model).__name__
    return f"{task.capitalize()} by a scikit-learn {kind}, packaged by roost package."


def _labels(model: Any, task: str) -> tuple[Any, ...] | None:
    if task != "classification":
        return None
    labels: tuple[Any, ...] | None = Output.label(list(model.classes_)).labels
    return labels


def _outputs(model: Any, task: str) -> tuple[Output, ...]:
    if task == "regression":
        return (Output.number(),)
    classes = list(model.classes_)
    if callable(getattr(model, "predict_proba", None)):
        return (Output.label(classes), Output.probabilities(classes))
    return (Output.label(classes),)


def _reference_rows(frame: pd.DataFrame) -> pd.DataFrame:
    rows = min(len(frame), REFERENCE_ROWS)
    return frame.sample(n=rows, random_state=0).reset_index(drop=True)


def _check_predicts(engine: SklearnEngine, card: ModelCard, rows: pd.DataFrame) -> None:
    """Predict `rows` as the runtime will, every declared output.

    Raises:
        PackagingError: the model fails, or answers against its declaration.
    """
    inputs = model_inputs(rows.astype(object).where(rows.notna(), None), card)
    names = {output.name for output in card.outputs}
    try:
        predictions = np.asarray(engine.predict(inputs))
        probabilities = (
            engine.predict_proba(inputs) if "probabilities" in names else None
        )
    except Exception as exc:
        raise PackagingError(
            f"the model cannot predict the sample of the data: "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    if predictions.shape[:1] != (len(rows),) or predictions.ndim != 1:
        raise PackagingError(
            f"the model returned predictions of shape {list(predictions.shape)} "
            f"for {len(rows)} rows; roost serves one value per row"
        )
    if card.labels is None and predictions.dtype.kind not in "biuf":
        raise PackagingError(
            f"the regression model predicted {predictions.dtype} values, not numbers"
        )
    if card.labels is not None:
        strange = set(Output.label(predictions.tolist()).labels or ()) - set(
            card.labels
        )
        if strange:
            raise PackagingError(
                f"the model predicted {sorted(map(str, strange))}, not among its "
                f"classes_ {list(card.labels)}"
            )
    if probabilities is not None and probabilities.shape != (
        len(rows),
        len(card.labels or ()),
    ):
        raise PackagingError(
            f"predict_proba returned shape {list(probabilities.shape)}, not one "
            "column per class"
        )
