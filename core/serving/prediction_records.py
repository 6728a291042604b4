"""What a prediction answers, and what observers see of it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import pandas as pd

from roost.core.contract.outputs import PREDICTIONS, Output
from roost.core.serving.typed_frames import FrameSource, built_frame

__all__ = ["PredictionObserver", "PredictionRecord", "PredictionResult"]


@dataclass(frozen=True)
class PredictionResult:
    """The outputs of one adapter version for a batch of records.

    `outputs` holds, per computed output in declared order, one value per
    record: None for a record that failed validation.
    """

    name: str
    version: str
    outputs: dict[str, list[Any]]
    declared: tuple[Output, ...]
    problems: dict[int, dict[str, list[str]]]
    total: int

    @property
    def predictions(self) -> list[Any]:
        """The `predictions` output (None per record when it was not asked for)."""
        return self.outputs.get(PREDICTIONS) or [None] * self.total


@dataclass(frozen=True)
class PredictionRecord:
    """What observers see of one answered prediction request.

    `frame` holds the validated rows the adapter predicted (the request's
    records at positions `valid_rows`), `outputs` their computed outputs,
    row for row. `started` is wall-clock time; `latency` is in seconds.
    `source` is the frame, or what builds it on the observer's first use.
    """

    name: str
    version: str
    request_id: str | None
    source: FrameSource
    valid_rows: tuple[int, ...]
    outputs: dict[str, list[Any]]
    declared: tuple[Output, ...]
    started: float
    latency: float
    #: `frame`'s rows as one sequence of values per field, for small batches
    #: valid as they came (`ValidatedBatch.columns`); else None.
    columns: Mapping[str, Sequence[Any]] | None = None

    @property
    def frame(self) -> pd.DataFrame:
        """The validated rows the adapter predicted, as a frame (built once)."""
        return built_frame(self)


class PredictionObserver(Protocol):
    """Sees every answered prediction: payload log, drift, shadow versions.

    `observe` runs on the request's thread after the answer is computed: it
    must hand its work to its own bounded queue and return at once, never
    block and never raise (an exception is logged and ignored).
    """

    def observe(self, record: PredictionRecord) -> None:
        """Take note of one prediction; return at once."""
