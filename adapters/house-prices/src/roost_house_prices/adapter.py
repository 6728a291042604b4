"""The roost adapter serving the house-prices regression pipeline."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from roost.core import AdapterError, ModelAdapter, Training
from roost_house_prices import config
from roost_house_prices.compiled import CompiledPipeline, UnexpectedStepsError
from roost_house_prices.dataset import load_dataset
from roost_house_prices.pipeline import predict_prices, train_pipeline
from roost_house_prices.schema import INPUT_SCHEMA
from roost_house_prices.transformers import PipelineInputError

__all__ = ["ENGINES", "HousePricesAdapter"]

#: How predict may compute: the compiled arrays, or the pipeline itself.
ENGINES = frozenset({"compiled", "pipeline"})
_FEATURES = frozenset(config.FEATURES)


def _with_all_inputs(frame: pd.DataFrame) -> pd.DataFrame:
    """Return `frame` with absent optional inputs added as missing (no copy else).

    Raises:
        AdapterError: a required column is absent.
    """
    present = set(frame.columns)
    absent = [var for var in config.FEATURES if var not in present]
    required_absent = [var for var in absent if var not in config.NULLABLE_VARS]
    if required_absent:
        raise AdapterError(f"missing input column(s): {', '.join(required_absent)}")
    return frame.assign(**dict.fromkeys(absent, np.nan)) if absent else frame


def _model_inputs(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of the 24 inputs with numbers as numeric dtypes.

    Optional columns absent from `frame` are added as missing; the host may
    hand numbers in object columns (e.g. a column of None), which the log and
    scaling steps cannot use, so they are converted here.

    Raises:
        AdapterError: a required column is absent or a number is not numeric.
    """
    absent = [var for var in config.FEATURES if var not in frame.columns]
    required_absent = [var for var in absent if var not in config.NULLABLE_VARS]
    if required_absent:
        raise AdapterError(f"missing input column(s): {', '.join(required_absent)}")
    inputs = frame.reindex(columns=list(config.FEATURES))
    for var in config.NUMERICAL_VARS:
        try:
            inputs[var] = pd.to_numeric(inputs[var])
        except (TypeError, ValueError) as exc:
            raise AdapterError(f"{var}: expected numbers ({exc})") from exc
    return inputs


class HousePricesAdapter(ModelAdapter):
    """Predict the sale price (US dollars) of a house in Ames, Iowa."""

    name: ClassVar[str] = "house-prices"
    version: ClassVar[str] = "1.0.0"
    task: ClassVar[str] = "regression"
    description: ClassVar[str] = (
        "Predicts the sale price in US dollars of a house in Ames, Iowa, from 24 "
        "features with a Lasso regression on engineered features."
    )
    input_schema: ClassVar[Mapping[str, Mapping[str, Any]]] = INPUT_SCHEMA

    _pipeline: Pipeline | None = None
    _compiled: CompiledPipeline | None = None

    @property
    def engine(self) -> str:
        """Say how predict computes: "compiled" (default) or "pipeline".

        Set with the adapter option `engine`, e.g.
        ROOST_ADAPTER_OPTIONS='{"house-prices": {"engine": "pipeline"}}' to
        serve the unmodified scikit-learn pipeline.
        """
        engine = str(self.context.options.get("engine", "compiled"))
        if engine not in ENGINES:
            raise AdapterError(f"engine {engine!r} is not one of {sorted(ENGINES)}")
        return engine

    def train(self) -> Training:
        """Fit the pipeline on the packaged train.csv; metrics on a 10% holdout."""
        pipeline, metrics = train_pipeline(load_dataset("train.csv"))
        return Training(artifact=pipeline, metrics=metrics)

    def reference_data(self) -> pd.DataFrame:
        """Return the packaged test.csv houses (model inputs only), for `roost diff`."""
        return load_dataset("test.csv")[list(config.FEATURES)]

    def load(self) -> None:
        """Load the trained pipeline from the host's artifact store.

        Raises:
            AdapterError: the artifact is not a scikit-learn pipeline.
        """
        engine = self.engine
        artifact = self.context.load_artifact()
        if not isinstance(artifact, Pipeline):
            raise AdapterError(
                f"artifact of {self.name!r} {self.version} is a "
                f"{type(artifact).__name__}, not a scikit-learn Pipeline; retrain it"
            )
        try:
            compiled = (
                CompiledPipeline.from_pipeline(artifact)
                if engine == "compiled"
                else None
            )
        except UnexpectedStepsError as exc:
            raise AdapterError(f"{self.name} {self.version}: {exc}") from exc
        self._pipeline = artifact
        self._compiled = compiled

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        """Return the predicted sale price in dollars of each row of `frame`.

        Raises:
            AdapterError: the adapter is not loaded, or an input value cannot
                be transformed by the fitted pipeline.
        """
        pipeline, compiled = self._pipeline, self._compiled
        if pipeline is None:
            raise AdapterError(f"adapter {self.name!r} is not loaded; call load()")
        try:
            if compiled is not None:
                return compiled.predict(_with_all_inputs(frame))
            return predict_prices(pipeline, _model_inputs(frame))
        except (PipelineInputError, TypeError, ValueError) as exc:
            raise AdapterError(str(exc)) from exc

    def predict_columns(
        self, columns: Mapping[str, Sequence[Any]], rows: int
    ) -> np.ndarray | Any:
        """Predict as `predict` does from validated columns (compiled engine only).

        The pipeline engine declines (`NotImplemented`): it is handed the frame.

        Raises:
            AdapterError: as `predict`.
        """
        compiled = self._compiled
        complete = columns.keys() >= _FEATURES
        if compiled is None or self._pipeline is None or not complete:
            return NotImplemented
        try:
            return compiled.predict_columns(columns, rows)
        except (PipelineInputError, TypeError, ValueError) as exc:
            raise AdapterError(str(exc)) from exc

    def predict_reference(self, frame: pd.DataFrame) -> np.ndarray:
        """Predict with the scikit-learn pipeline itself (for differential tests).

        Raises:
            AdapterError: as `predict`.
        """
        if self._pipeline is None:
            raise AdapterError(f"adapter {self.name!r} is not loaded; call load()")
        try:
            return predict_prices(self._pipeline, _model_inputs(frame))
        except PipelineInputError as exc:
            raise AdapterError(str(exc)) from exc
