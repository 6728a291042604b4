"""A model's answer for a batch of rows, aligned with the rows sent."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from roost.client.problems import Problems, parse_problems

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Prediction"]


@dataclass(frozen=True)
class Prediction:
    """Predictions for the rows sent, in their order, one per row.

    Attributes:
        model: the name of the model that answered.
        version: the version that answered.
        predictions: one prediction per row (a classifier's label); None for
            a row that failed validation in a partial request.
        probabilities: for classifiers that give them, one mapping per row
            from class label to probability (None for an invalid row); None
            when the answer carries no probabilities.
        errors: record position -> field -> reasons, for the rows that failed
            validation in a partial request; empty otherwise.
        index: the index of the DataFrame sent, if one was.
    """

    model: str
    version: str
    predictions: list[Any]
    probabilities: list[dict[str, float] | None] | None = None
    errors: Problems = field(default_factory=dict)
    index: pd.Index[Any] | None = None

    def __len__(self) -> int:
        return len(self.predictions)

    @classmethod
    def from_answer(
        cls,
        body: Mapping[str, Any],
        *,
        model: str | None,
        version: str | None,
        index: pd.Index[Any] | None = None,
    ) -> Prediction:
        """Read a v1 predict body; `model` and `version` come from its headers."""
        probabilities = body.get("probabilities")
        return cls(
            model=model or str(body.get("model", "")),
            version=version or str(body.get("version", "")),
            predictions=list(body.get("predictions") or []),
            probabilities=None if probabilities is None else list(probabilities),
            errors=parse_problems(body.get("errors")),
            index=index,
        )

    def to_frame(self) -> pd.DataFrame:
        """Return a DataFrame with the sent frame's index (a range for records).

        Columns: `prediction`, then `probability_<label>` per class when the
        answer carries probabilities. Rows that failed validation hold missing
        values; `errors` says why.

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
        frame = pd.DataFrame({"prediction": self.predictions}, index=index)
        if self.probabilities is not None:
            labels = dict.fromkeys(
                label for row in self.probabilities if row for label in row
            )
            for label in labels:
                frame[f"probability_{label}"] = [
                    None if row is None else row.get(label)
                    for row in self.probabilities
                ]
        return frame
