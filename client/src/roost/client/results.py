"""A model's answer for a batch of rows, aligned with the rows sent."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from roost.client.problems import Problems, parse_problems

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Prediction"]

#: Keys of a v1 predict body that are not outputs.
_NOT_OUTPUTS = frozenset({"model", "version", "errors"})
#: Outputs `to_frame` already lays out as their own columns.
_NAMED_ATTRIBUTES = frozenset({"predictions", "probabilities"})


@dataclass(frozen=True)
class Prediction:
    """Predictions for the rows sent, in their order, one per row.

    Attributes:
        model: the name of the model that answered.
        version: the version that answered.
        predictions: one prediction per row (a classifier's label); None for
            a row that failed validation in a partial request. None when the
            request chose outputs without `predictions`.
        probabilities: for classifiers that give them, one mapping per row
            from class label to probability (None for an invalid row); None
            when the answer carries no probabilities.
        errors: record position -> field -> reasons, for the rows that failed
            validation in a partial request; empty otherwise.
        index: the index of the DataFrame sent, if one was.
        outputs: every output the answer carries, by name, one value per row
            as the server sent it (`predictions` and `probabilities` too).
    """

    model: str
    version: str
    predictions: list[Any] | None
    probabilities: list[dict[str, float] | None] | None = None
    errors: Problems = field(default_factory=dict)
    index: pd.Index[Any] | None = None
    outputs: dict[str, list[Any]] = field(default_factory=dict)

    def __len__(self) -> int:
        """The number of rows answered (the length of every output)."""
        if self.predictions is not None:
            return len(self.predictions)
        return max((len(values) for values in self.outputs.values()), default=0)

    @classmethod
    def from_answer(
        cls,
        body: Mapping[str, Any],
        *,
        model: str | None,
        version: str | None,
        index: pd.Index[Any] | None = None,
    ) -> Prediction:
        """Read a v1 predict body; `model` and `version` come from its headers.

        Every key but `model`, `version` and `errors` is an output.
        """
        outputs = {
            str(key): list(values) if isinstance(values, list) else []
            for key, values in body.items()
            if key not in _NOT_OUTPUTS
        }
        return cls(
            model=model or str(body.get("model", "")),
            version=version or str(body.get("version", "")),
            predictions=outputs.get("predictions"),
            probabilities=outputs.get("probabilities"),
            errors=parse_problems(body.get("errors")),
            index=index,
            outputs=outputs,
        )

    def to_frame(self) -> pd.DataFrame:
        """Return a DataFrame with the sent frame's index (a range for records).

        Columns: `prediction`, then `probability_<label>` per class when the
        answer carries probabilities, then any other output under its own
        name; only the outputs the answer carries. Rows that failed
        validation hold missing values; `errors` says why.

        Raises:
            ImportError: pandas is not installed (`pip install roost-client[pandas]`).
        """
        try:
            import pandas as pd  # noqa: PLC0415 - pandas is an optional extra
        except ImportError as exc:
            raise ImportError(
                "to_frame needs pandas: pip install 'roost-client[pandas]'"
            ) from exc
        index = self.index if self.index is not None else pd.RangeIndex(len(self))
        frame = pd.DataFrame(index=index)
        if self.predictions is not None:
            frame["prediction"] = self.predictions
        if self.probabilities is not None:
            labels = dict.fromkeys(
                label for row in self.probabilities if row for label in row
            )
            for label in labels:
                frame[f"probability_{label}"] = [
                    None if row is None else row.get(label)
                    for row in self.probabilities
                ]
        for name, values in self.outputs.items():
            if name not in _NAMED_ATTRIBUTES:
                frame[name] = values
        return frame
