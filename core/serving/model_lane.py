"""One ready model version's road: its validator, body decoder and batcher."""

from __future__ import annotations

import logging
from collections.abc import Collection

import pandas as pd
from prometheus_client import Counter

from roost.core.contract.registry import AdapterEntry
from roost.core.errors import PredictionError
from roost.core.runtime.metrics import Metrics
from roost.core.serving.column_decoding import ColumnDecoder
from roost.core.serving.micro_batching import MicroBatcher
from roost.core.serving.outputs import (
    OutputColumns,
    predict_column_outputs,
    predict_outputs,
)
from roost.core.serving.validation import RecordValidator, ValidatedBatch

__all__ = ["ModelLane"]

logger = logging.getLogger(__name__)


class ModelLane:
    """What the data plane keeps per ready adapter version, built once.

    Raises:
        cerberus.SchemaError: the adapter's input schema is broken.
    """

    def __init__(
        self,
        entry: AdapterEntry,
        metrics: Metrics,
        batching: tuple[int, float] | None = None,
    ) -> None:
        assert entry.adapter_class is not None  # noqa: S101 - only ready entries
        self.entry = entry
        self.name = entry.name
        self.version = str(entry.version)
        self.outputs = entry.adapter_class.declared_outputs()
        self.validator = RecordValidator(entry.adapter_class.input_schema)
        self.decoder = (
            ColumnDecoder(self.validator.columns)
            if self.validator.columnar and len(self.validator.columns) > 1
            else None
        )
        self._rows_per_call = metrics.batch_rows.labels(self.name, self.version)
        self._rows_predicted: Counter | None = None
        self._metrics = metrics
        self._batcher: MicroBatcher | None = None
        if batching is not None:
            max_rows, max_wait = batching
            self._batcher = MicroBatcher(
                self._call_adapter,
                max_rows,
                max_wait,
                name=f"{self.name}-{self.version}",
            )
            logger.info(
                "micro-batching %s %s: up to %d rows, waiting up to %g s",
                self.name,
                self.version,
                max_rows,
                max_wait,
            )

    @property
    def rows_predicted(self) -> Counter:
        """The counter of records this version predicted (made on first use)."""
        counter = self._rows_predicted
        if counter is None:
            counter = self._metrics.rows.labels(self.name, self.version)
            self._rows_predicted = counter
        return counter

    def predict(
        self, frame: pd.DataFrame, requested: Collection[str] | None = None
    ) -> OutputColumns:
        """Predict validated rows, merged with concurrent requests' if batching.

        `requested` names the outputs to compute (None: all). A merged call
        computes every output, as its requests may want different ones.

        Raises:
            AdapterError: the adapter refused the rows.
            PredictionError: the adapter crashed or its answer does not match
                its declared outputs.
        """
        if self._batcher is None:
            return self._call_adapter(frame, requested)
        columns = self._batcher.predict(frame)
        if requested is None:
            return columns
        return {name: columns[name] for name in columns if name in requested}

    def predict_validated(
        self, checked: ValidatedBatch, requested: Collection[str] | None = None
    ) -> OutputColumns:
        """Predict a validated batch's valid rows, as `predict` does.

        A small batch valid as it came goes to the adapter's
        `predict_columns` when no batcher merges it; no frame is built
        unless the adapter declines.
        """
        columns = checked.columns
        if columns is not None and self._batcher is None:
            adapter = self.entry.adapter
            if adapter is None:
                raise PredictionError(self.name, self.version, "adapter is not loaded")
            rows = checked.total
            try:
                answer = predict_column_outputs(
                    adapter, columns, rows, self.name, self.version, requested=requested
                )
            except Exception:
                # The adapter took the call and failed: counted, as on the frame road.
                self._rows_per_call.observe(rows)
                raise
            if answer is not None:
                self._rows_per_call.observe(rows)
                return answer
        return self.predict(checked.frame, requested)

    def _call_adapter(
        self, frame: pd.DataFrame, requested: Collection[str] | None = None
    ) -> OutputColumns:
        adapter = self.entry.adapter
        if adapter is None:
            raise PredictionError(self.name, self.version, "adapter is not loaded")
        self._rows_per_call.observe(len(frame))
        return predict_outputs(adapter, frame, self.name, self.version, requested)
