"""`PayloadLog`: the prediction observer that samples requests for the sinks."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from roost.core.serving.prediction_records import PredictionRecord

__all__ = ["PayloadLog", "Sink"]


class Sink(Protocol):
    """Where sampled predictions go (`QueuedSink`): `offer` never blocks."""

    sink: str

    def offer(self, record: PredictionRecord) -> None:
        """Take one prediction, or count it dropped; return at once."""

    def close(self, timeout: float = 2.0) -> None:
        """Deliver what is held within `timeout` seconds."""


class PayloadLog:
    """Offer a `sample` share of predictions to every sink, without waiting.

    The decision is one per request, so every sink logs the same requests.
    """

    def __init__(
        self,
        sinks: Sequence[Sink],
        sample: float = 1.0,
        chance: random.Random | None = None,
    ) -> None:
        if not 0.0 <= sample <= 1.0:
            raise ValueError(f"sample must be between 0 and 1, got {sample}")
        self.sinks = tuple(sinks)
        self.sample = sample
        self._chance = chance or random.Random()  # noqa: S311 - sampling, not secrets

    def observe(self, record: PredictionRecord) -> None:
        """Queue the prediction for each sink, if it is sampled."""
        if self.sample < 1.0 and self._chance.random() >= self.sample:
            return
        for sink in self.sinks:
            sink.offer(record)

    def close(self, timeout: float = 2.0) -> None:
        """Let each sink deliver what it holds, for up to `timeout` seconds each."""
        for sink in self.sinks:
            sink.close(timeout)

    def __repr__(self) -> str:
        names = ", ".join(sink.sink for sink in self.sinks)
        return f"PayloadLog(sinks=[{names}], sample={self.sample})"
