"""The roost adapter serving the house-price-band classification pipeline."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from roost.core import (
    PREDICTIONS,
    PROBABILITIES,
    AdapterError,
    ModelAdapter,
    Output,
    Training,
)
from roost_house_price_band import config
from roost_house_price_band.dataset import load_dataset
from roost_house_price_band.inputs import model_inputs
from roost_house_price_band.pipeline import train_pipeline
from roost_house_price_band.schema import INPUT_SCHEMA

__all__ = ["HousePriceBandAdapter"]


@dataclass(frozen=True)
class _Loaded:
    """A fitted pipeline's two halves, and where each band is in its classes."""

    #: Every step but the last: the pipeline's inputs to the classifier's.
    features: Pipeline
    #: The last step, the fitted classifier.
    classifier: Any
    #: Column of `predict_proba` holding each band of `config.BANDS`, in order.
    columns: list[int]


class HousePriceBandAdapter(ModelAdapter):
    """Sort Ames houses into price bands, with a probability for each band."""

    name: ClassVar[str] = "house-price-band"
    version: ClassVar[str] = "1.0.0"
    task: ClassVar[str] = "classification"
    description: ClassVar[str] = (
        "Sorts a house in Ames, Iowa into a sale price band (cheap: under "
        "$140,000; mid: under $190,000; expensive) from 10 features with a "
        "logistic regression, and gives each band's probability."
    )
    input_schema: ClassVar[Mapping[str, Mapping[str, Any]]] = INPUT_SCHEMA
    # NOTE: bands cheapest first, not in scikit-learn's alphabetical classes_
    # order; predict reorders the probability columns to match.
    outputs: ClassVar[tuple[Output, ...]] = (
        Output.label(config.BANDS),
        Output.probabilities(config.BANDS),
    )

    _loaded: _Loaded | None = None

    def train(self) -> Training:
        """Fit the pipeline on 80% of the packaged train.csv; metrics on the rest."""
        pipeline, metrics = train_pipeline(load_dataset("train.csv"))
        return Training(artifact=pipeline, metrics=metrics)

    def reference_data(self) -> pd.DataFrame:
        """Return the packaged test.csv houses (model inputs only), for `roost diff`."""
        return load_dataset("test.csv")[list(config.FEATURES)]

    def load(self) -> None:
        """Load the trained pipeline from the host's artifact store.

        Raises:
            AdapterError: the artifact is not a scikit-learn pipeline that
                predicts exactly the declared bands.
        """
        artifact = self.context.load_artifact()
        classes = getattr(artifact, "classes_", None)
        if not isinstance(artifact, Pipeline) or classes is None:
            raise AdapterError(
                f"artifact of {self.name!r} {self.version} is a "
                f"{type(artifact).__name__}, not a fitted scikit-learn "
                "classification Pipeline; retrain it"
            )
        known = [str(label) for label in classes]
        if sorted(known) != sorted(config.BANDS):
            raise AdapterError(
                f"artifact of {self.name!r} {self.version} predicts {known}, "
                f"not the bands {list(config.BANDS)}; retrain it"
            )
        self._loaded = _Loaded(
            features=artifact[:-1],
            classifier=artifact[-1],
            columns=[known.index(band) for band in config.BANDS],
        )

    def predict(
        self, frame: pd.DataFrame, outputs: Collection[str] | None = None
    ) -> dict[str, np.ndarray]:
        """Return each row's band and, when asked, each band's probability.

        Args:
            frame: validated records.
            outputs: the outputs to compute, `predictions` and/or
                `probabilities`; None means both. Probabilities cost a
                second pass of the classifier, never of the feature steps.

        Returns:
            `predictions`: one band label per row, exactly the pipeline's
            `predict`; `probabilities`: rows x bands, columns in the order of
            `config.BANDS`, exactly the pipeline's `predict_proba`.

        Raises:
            AdapterError: the adapter is not loaded, an output is unknown, or
                an input cannot be used by the fitted pipeline.
        """
        loaded = self._loaded
        if loaded is None:
            raise AdapterError(f"adapter {self.name!r} is not loaded; call load()")
        wanted = (PREDICTIONS, PROBABILITIES) if outputs is None else tuple(outputs)
        unknown = sorted(set(wanted) - {PREDICTIONS, PROBABILITIES})
        if unknown:
            raise AdapterError(f"{self.name!r} has no output(s) {unknown}")
        try:
            # NOTE: what Pipeline.predict and predict_proba each do, with the
            # feature steps run once for both.
            features = loaded.features.transform(model_inputs(frame))
            answer: dict[str, np.ndarray] = {}
            if PREDICTIONS in wanted:
                answer[PREDICTIONS] = np.asarray(loaded.classifier.predict(features))
            if PROBABILITIES in wanted:
                probabilities = np.asarray(loaded.classifier.predict_proba(features))
                answer[PROBABILITIES] = probabilities[:, loaded.columns]
        except (TypeError, ValueError) as exc:
            raise AdapterError(str(exc)) from exc
        return answer
