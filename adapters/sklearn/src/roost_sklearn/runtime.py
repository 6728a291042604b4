"""`SklearnAdapter`: serves a packaged model as its card describes it.

A package made by `roost package` holds `card.json`, the skops artifact and
reference rows next to a module that only subclasses `SklearnAdapter`:

```python
from roost_sklearn import SklearnAdapter

class Adapter(SklearnAdapter):
    \"\"\"The packaged model `band` 1.0.0.\"\"\"
```

The subclass's identity (name, version, task, input schema, outputs,
description) is read from the card beside its module when the class is
defined; `load()` opens the card's engine (`sklearn` or `onnx`), each file
checked against its sha256, the skops artifact with the card's trusted
types; `predict()` computes only the outputs a request needs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from roost.core import PREDICTIONS, PROBABILITIES, AdapterError, ModelAdapter
from roost_sklearn.card import CARD_FILE, ModelCard
from roost_sklearn.engines import Engine, open_engine
from roost_sklearn.inputs import ModelInputs, model_inputs, model_inputs_of_columns

__all__ = ["SklearnAdapter"]


class SklearnAdapter(ModelAdapter):
    """A packaged scikit-learn model; subclasses live beside their card."""

    card: ClassVar[ModelCard]

    _engine: Engine | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Read the card beside the subclass's module into its class attributes.

        NOTE: the registry reads identity from class attributes before it
        loads anything, so the small card is read when the class is defined;
        the artifact waits for `load()`.
        """
        super().__init_subclass__(**kwargs)
        card = ModelCard.from_text(
            resources.files(cls.__module__).joinpath(CARD_FILE).read_text("utf-8")
        )
        cls.card = card
        cls.name = card.name
        cls.version = card.version
        cls.task = card.task
        cls.input_schema = card.input_schema
        cls.outputs = card.outputs
        cls.description = card.description

    def load(self) -> None:
        """Open the card's engine, each file checked against its sha256.

        Raises:
            AdapterError: the artifact is missing, altered or cannot load.
        """
        if self._engine is not None:
            return
        card = self.card
        try:
            self._engine = open_engine(
                card, lambda name: self._package_file(name).read_bytes()
            )
        except (OSError, ValueError) as exc:
            raise AdapterError(str(exc)) from exc

    def predict(self, frame: pd.DataFrame, outputs: Sequence[str] | None = None) -> Any:
        """Return the model's answers for every row of `frame`.

        `outputs` names the outputs wanted (default: every declared one).
        A model declaring only `predictions` returns its values; otherwise a
        mapping of output name to values (labels 1-D, probabilities 2-D in
        the card's label order).

        Raises:
            AdapterError: the adapter is not loaded, or the estimator refuses
                an input value (e.g. a category it never saw).
        """
        engine = self._engine
        if engine is None:
            raise AdapterError(f"adapter {self.name!r} is not loaded; call load()")
        return self._answer(engine, lambda: model_inputs(frame, self.card), outputs)

    def predict_columns(self, columns: Mapping[str, Sequence[Any]], rows: int) -> Any:
        """Return every declared output, as `predict`, from validated columns.

        Raises:
            AdapterError: as `predict`.
        """
        engine = self._engine
        if engine is None:
            return NotImplemented  # `predict` says it is not loaded
        return self._answer(
            engine, lambda: model_inputs_of_columns(columns, rows, self.card), None
        )

    def _answer(
        self,
        engine: Engine,
        inputs_of: Callable[[], ModelInputs],
        outputs: Sequence[str] | None,
    ) -> Any:
        """The wanted outputs (None: all) for the inputs `inputs_of` builds.

        Raises:
            AdapterError: the estimator refuses an input value.
        """
        declared = [output.name for output in self.declared_outputs()]
        wanted = [name for name in declared if outputs is None or name in outputs]
        try:
            answers = _answers(engine, inputs_of(), wanted)
        except (TypeError, ValueError) as exc:
            raise AdapterError(f"the model refused the input: {exc}") from exc
        if declared == [PREDICTIONS]:
            return answers[PREDICTIONS]
        return answers

    def reference_data(self) -> pd.DataFrame | None:
        """Return the reference rows packaged with the model, for `roost diff`."""
        reference = self.card.reference
        if reference is None:
            return None
        with resources.as_file(self._package_file(reference)) as path:
            return pd.read_parquet(path)

    def _package_file(self, name: str) -> Traversable:
        return resources.files(type(self).__module__).joinpath(name)


def _answers(
    engine: Engine, inputs: Any, wanted: Sequence[str]
) -> Mapping[str, np.ndarray[Any, Any]]:
    """Compute the wanted outputs, each once."""
    answers: dict[str, np.ndarray[Any, Any]] = {}
    if PROBABILITIES in wanted:
        answers[PROBABILITIES] = engine.predict_proba(inputs)
    if PREDICTIONS in wanted:
        labels = None
        if PROBABILITIES in answers:
            labels = engine.labels_from(answers[PROBABILITIES])
        answers[PREDICTIONS] = engine.predict(inputs) if labels is None else labels
    return answers
