"""Engines: what computes a packaged model's answers, named by its card.

The card's `engine` picks one: `sklearn` (the estimator itself, loaded from
its skops artifact) or `onnx` (the estimator converted at packaging time, run
by onnxruntime). An engine is opened from the package's files once per
worker, each checked against its sha256 in the card, and then predicts
model-ready frames. The skops artifact is always shipped and checked: where
onnxruntime is not installed, an `onnx` model is served by the `sklearn`
engine, with a warning.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import numpy as np

from roost_sklearn.card import ModelCard
from roost_sklearn.inputs import ModelInputs
from roost_sklearn.trust import load_skops

__all__ = [
    "ENGINES",
    "ArtifactMismatchError",
    "Engine",
    "SklearnEngine",
    "library_versions",
    "open_engine",
    "open_onnx",
    "open_sklearn",
]

#: Reads one file of the packaged model by name.
Reader = Callable[[str], bytes]

# NOTE: under `roost.`, so that the server's log handler writes these lines.
logger = logging.getLogger("roost.sklearn.engines")


class ArtifactMismatchError(ValueError):
    """The artifact's bytes are not the ones its card names."""


class Engine(Protocol):
    """What the runtime asks of an engine."""

    def predict(self, inputs: ModelInputs) -> np.ndarray[Any, Any]:
        """Return one prediction (a value or a class label) per row."""

    def predict_proba(self, inputs: ModelInputs) -> np.ndarray[Any, Any]:
        """Return one probability per class (card label order) and row."""

    def labels_from(
        self, probabilities: np.ndarray[Any, Any]
    ) -> np.ndarray[Any, Any] | None:
        """Return `predict`'s labels read off `probabilities`, or None.

        None unless that is exactly what `predict` computes for this model.
        """


class SklearnEngine:
    """The fitted scikit-learn estimator itself."""

    def __init__(self, estimator: Any) -> None:
        self.estimator = estimator
        self._argmax_is_predict = _predicts_by_argmax(estimator)

    def predict(self, inputs: Any) -> np.ndarray[Any, Any]:
        """Return the estimator's `predict` (of `ModelInputs`, or its own input)."""
        return np.asarray(self.estimator.predict(_for_estimator(inputs)))

    def predict_proba(self, inputs: Any) -> np.ndarray[Any, Any]:
        """Return the estimator's `predict_proba`."""
        return np.asarray(self.estimator.predict_proba(_for_estimator(inputs)))

    def labels_from(
        self, probabilities: np.ndarray[Any, Any]
    ) -> np.ndarray[Any, Any] | None:
        """Labels as argmax of probabilities, where `predict` does exactly that."""
        if not self._argmax_is_predict:
            return None
        classes: np.ndarray[Any, Any] = np.asarray(self.estimator.classes_)
        return np.asarray(classes.take(np.argmax(probabilities, axis=1), axis=0))


def _for_estimator(inputs: Any) -> Any:
    return inputs.for_estimator if isinstance(inputs, ModelInputs) else inputs


def _predicts_by_argmax(estimator: Any) -> bool:
    """Say whether `estimator.predict` is `classes_[argmax(predict_proba)]`.

    NOTE: true of scikit-learn's forest classifiers (single output), whose
    `predict` is literally that, alone or as a Pipeline's last step (the
    Pipeline transforms the same way for both). Not of most others: a
    logistic regression or gradient boosting decides on raw scores, and the
    probabilities' rounding may tie where the scores do not.
    """
    from sklearn.ensemble import RandomForestClassifier  # noqa: PLC0415
    from sklearn.pipeline import Pipeline  # noqa: PLC0415

    final = estimator
    if type(estimator) is Pipeline:
        final = estimator.steps[-1][1]
    kind = type(final)
    return (
        getattr(kind, "predict", None) is RandomForestClassifier.predict
        and getattr(kind, "predict_proba", None) is RandomForestClassifier.predict_proba
        and getattr(final, "n_outputs_", None) == 1
    )


def open_sklearn(card: ModelCard, read: Reader) -> Engine:
    """Load the skops artifact with the card's trusted types only."""
    artifact = _verified(card, card.artifact, card.sha256, read)
    versions = library_versions()
    for library, packaged in card.libraries.items():
        running = versions.get(library)
        if running is not None and running != packaged:
            logger.warning(
                "model %s %s was packaged with %s %s; this process runs %s",
                card.name,
                card.version,
                library,
                packaged,
                running,
            )
    engine = SklearnEngine(load_skops(io.BytesIO(artifact), card.trusted_types))
    logger.info("model %s %s engine=sklearn", card.name, card.version)
    return engine


def open_onnx(card: ModelCard, read: Reader) -> Engine:
    """Open the card's ONNX graph in an onnxruntime session of this process.

    Falls back to `open_sklearn`, with a warning, where onnxruntime is not
    installed.
    """
    check = card.onnx
    if check is None or check.file is None or check.sha256 is None:
        raise ValueError(
            f"model {card.name} {card.version} names engine 'onnx' but its card "
            "names no ONNX graph"
        )
    graph = _verified(card, check.file, check.sha256, read)
    _verified(card, card.artifact, card.sha256, read)
    try:
        import onnxruntime  # noqa: F401, PLC0415 - the optional `onnx` extra
    except ImportError:
        logger.warning(
            "model %s %s was packaged for engine=onnx but onnxruntime is not "
            "installed (pip install 'roost-sklearn[onnx]'); serving it with "
            "engine=sklearn",
            card.name,
            card.version,
        )
        return open_sklearn(card, read)
    from roost_sklearn.onnx_engine import OnnxEngine, intra_op_threads  # noqa: PLC0415

    engine = OnnxEngine(graph, threads=intra_op_threads())
    logger.info(
        "model %s %s engine=onnx: onnx session in pid %d threads=%d",
        card.name,
        card.version,
        os.getpid(),
        engine.threads,
    )
    return engine


#: Engine name -> opener, from the card and a reader of the package's files.
ENGINES: Mapping[str, Callable[[ModelCard, Reader], Engine]] = {
    "onnx": open_onnx,
    "sklearn": open_sklearn,
}


def open_engine(card: ModelCard, read: Reader) -> Engine:
    """Open the card's engine from the package's files, checked by sha256.

    Raises:
        ArtifactMismatchError: a file's bytes are not the ones the card names.
        ValueError: the card names an engine this runtime does not have.
    """
    opener = ENGINES.get(card.engine)
    if opener is None:
        raise ValueError(
            f"model {card.name} {card.version} needs engine {card.engine!r}; "
            f"this roost-sklearn has {', '.join(sorted(ENGINES))}"
        )
    return opener(card, read)


def _verified(card: ModelCard, name: str, sha256: str, read: Reader) -> bytes:
    """Read `name`, refusing bytes whose sha256 is not the card's."""
    data = read(name)
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha256:
        raise ArtifactMismatchError(
            f"artifact {name} of {card.name} {card.version} has sha256 "
            f"{digest}, but its card says {sha256}: refusing to load it"
        )
    return data


def library_versions() -> dict[str, str]:
    """The versions of the libraries an artifact's behaviour depends on."""
    import sklearn  # noqa: PLC0415
    import skops  # noqa: PLC0415

    return {"scikit-learn": str(sklearn.__version__), "skops": str(skops.__version__)}
