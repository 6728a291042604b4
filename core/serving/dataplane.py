"""The prediction service: pick an adapter, validate, predict, align results."""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from cerberus import SchemaError

from roost.core.contract.registry import AdapterEntry, Registry
from roost.core.errors import (
    AdapterError,
    AdapterNotFoundError,
    AdapterNotReadyError,
    PredictionError,
    RequestValidationError,
)
from roost.core.runtime.metrics import Metrics
from roost.core.runtime.settings import Settings
from roost.core.serving.admission import Admission
from roost.core.serving.column_decoding import ColumnDecoder, RecordColumns
from roost.core.serving.intake import IntakeLimits, parse_json, records_from
from roost.core.serving.micro_batching import MicroBatcher
from roost.core.serving.validation import RecordValidator

__all__ = ["PredictionResult", "PredictionService", "build_service", "output_rows"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PredictionResult:
    """Predictions of one adapter version for a batch of records."""

    name: str
    version: str
    predictions: list[Any]
    problems: dict[int, dict[str, list[str]]]
    total: int


class PredictionService:
    """What the controllers call: every decision about predicting lives here."""

    def __init__(
        self,
        registry: Registry,
        *,
        default_model: str | None = None,
        limits: IntakeLimits | None = None,
        admission: Admission | None = None,
        metrics: Metrics | None = None,
        batching: tuple[int, float] | None = None,
    ) -> None:
        self.registry = registry
        self.limits = limits or IntakeLimits()
        self.metrics = metrics or Metrics()
        self._admission = admission
        self._default_model = default_model
        self._draining = threading.Event()
        self._batchers: dict[tuple[str, str], MicroBatcher] = {}
        self._validators: dict[tuple[str, str], RecordValidator] = {}
        self._decoders: dict[tuple[str, str], ColumnDecoder] = {}
        for entry in registry.entries():
            if entry.ready and entry.adapter_class is not None and entry.version:
                try:
                    validator = RecordValidator(entry.adapter_class.input_schema)
                except SchemaError as exc:
                    logger.error(
                        "adapter %s has an invalid schema: %s", entry.name, exc
                    )
                    entry.error = f"invalid input schema: {exc}"
                    continue
                self._validators[(entry.name, entry.version)] = validator
                if validator.columnar and len(validator.columns) > 1:
                    self._decoders[(entry.name, entry.version)] = ColumnDecoder(
                        validator.columns
                    )
        for entry in registry.entries():
            if entry.version is not None:
                self.metrics.ready.labels(entry.name, entry.version).set(
                    int(entry.ready)
                )

    def start_draining(self) -> None:
        """Report not ready from now on (the worker is shutting down)."""
        self._draining.set()

    def readiness(self) -> tuple[bool, str]:
        """Say whether every installed adapter is loaded, and why not if not."""
        if self._draining.is_set():
            return False, "draining: the server is shutting down"
        entries = self.registry.entries()
        if not entries:
            return False, "no adapters are installed"
        broken = [entry for entry in entries if not entry.ready]
        if broken:
            names = ", ".join(f"{e.name} {e.version or ''}".strip() for e in broken)
            return False, f"not ready: {names}"
        return True, f"{len(entries)} adapter version(s) ready"

    def default_model(self, task: str = "regression") -> str:
        """Name the model behind the regression compatibility route.

        Raises:
            AdapterNotFoundError: no adapter for that task is installed.
        """
        name = self.default_model_or_none(task)
        if name is None:
            raise AdapterNotFoundError(f"(default {task} model)")
        return name

    def default_model_or_none(self, task: str = "regression") -> str | None:
        """Name the model behind the compatibility route; None if there is none."""
        if self._default_model is not None:
            return self._default_model
        for name in self.registry.names():
            entry = self.registry.lookup(name)
            if entry.adapter_class is not None and entry.adapter_class.task == task:
                return name
        return None

    def intake(
        self,
        raw: bytes,
        name: str | None,
        version: str | None = None,
        *,
        allow_envelope: bool = True,
    ) -> list[Any] | RecordColumns:
        """Read a predict body's records for model `name` (None: no model known).

        Bodies of complete flat records are decoded straight into the
        model's columns (`roost.core.serving.column_decoding`); any other body is
        parsed strictly into a list of records, with the same errors.

        Raises:
            BadRequestError: the body is not strict JSON or not records.
            PayloadTooLargeError: more records than allowed.
        """

        def strict() -> list[Any]:
            return records_from(
                parse_json(raw), self.limits, allow_envelope=allow_envelope
            )

        decoder = self._decoder(name, version)
        if decoder is not None:
            columns = decoder.decode(raw, self.limits, strict)
            if columns is not None:
                return columns
        return strict()

    def _decoder(self, name: str | None, version: str | None) -> ColumnDecoder | None:
        """The column decoder of the version `predict` will use, if it has one."""
        if name is None:
            return None
        try:
            entry = self.registry.lookup_ready(name, version)
        except (AdapterNotFoundError, AdapterNotReadyError):
            return None  # reported by `predict`, after the body's own errors
        return self._decoders.get((entry.name, str(entry.version)))

    def predict(
        self,
        name: str,
        records: Sequence[Any] | RecordColumns,
        version: str | None = None,
        *,
        partial: bool = False,
    ) -> PredictionResult:
        """Predict every valid record, within the admission limits.

        With `partial`, invalid records get `None` in place; without it, any
        invalid record fails the whole batch.

        Raises:
            RequestValidationError: a record is invalid and `partial` is false.
            OverloadedError, DeadlineExceededError: from admission control.
        """
        entry = self.registry.lookup_ready(name, version)
        if self._admission is None:
            return self._predict(entry, records, partial)
        return self._admission.run(lambda: self._predict(entry, records, partial))

    def _predict(
        self,
        entry: AdapterEntry,
        records: Sequence[Any] | RecordColumns,
        partial: bool,
    ) -> PredictionResult:
        version = str(entry.version)
        validator = self._validators[(entry.name, version)]
        batch = None
        if isinstance(records, RecordColumns):
            if records.fields == tuple(validator.columns):
                batch = validator.validate_columns(records.columns, records.count)
            if batch is None:  # cerberus words the errors, record by record
                records = records.records()
        if batch is None:
            batch = validator.validate(records)
        if batch.problems:
            self.metrics.validation_failures.labels(entry.name, version).inc(
                len(batch.problems)
            )
            if not partial:
                raise RequestValidationError(batch.problems, batch.total)
        outputs = self._outputs(entry, batch.frame) if batch.valid_rows else []
        self.metrics.rows.labels(entry.name, version).inc(len(outputs))
        predictions: list[Any] = [None] * batch.total
        for row, output in zip(batch.valid_rows, outputs, strict=True):
            predictions[row] = output
        return PredictionResult(
            entry.name, version, predictions, batch.problems, batch.total
        )

    def _outputs(self, entry: AdapterEntry, frame: pd.DataFrame) -> list[Any]:
        batcher = self._batchers.get((entry.name, str(entry.version)))
        if batcher is None:
            return self._run(entry, frame)
        return batcher.predict(frame)

    def _run(self, entry: AdapterEntry, frame: pd.DataFrame) -> list[Any]:
        if entry.adapter is None:
            raise PredictionError(
                entry.name, str(entry.version), "adapter is not loaded"
            )
        try:
            output = entry.adapter.predict(frame)
        except AdapterError:
            raise
        except Exception as exc:
            logger.exception(
                "adapter %s %s failed to predict", entry.name, entry.version
            )
            raise PredictionError(
                entry.name, str(entry.version), f"{type(exc).__name__}: {exc}"
            ) from exc
        values = output_rows(output)
        if len(values) != len(frame):
            raise PredictionError(
                entry.name,
                str(entry.version),
                f"returned {len(values)} predictions for {len(frame)} rows",
            )
        return values


def output_rows(output: Any) -> list[Any]:
    """Turn whatever an adapter returned into one JSON-ready item per row."""
    if isinstance(output, pd.DataFrame):
        clean = output.astype(object).where(output.notna(), None)
        return clean.to_dict(orient="records")
    if isinstance(output, pd.Series):
        output = output.to_numpy()
    if isinstance(output, np.ndarray):
        if output.ndim == 1 and output.dtype.kind == "f":
            return [
                value if math.isfinite(value) else None for value in output.tolist()
            ]
        return output.tolist()
    return list(output)


def build_service(settings: Settings) -> PredictionService:
    """Discover and load every adapter; wire limits, admission and metrics."""
    registry = Registry.from_settings(settings)
    registry.load_all()
    ready = sum(entry.ready for entry in registry.entries())
    logger.info(
        "%d of %d adapter version(s) ready in namespace %s",
        ready,
        len(registry.entries()),
        settings.adapter_namespace,
    )
    return PredictionService(
        registry,
        default_model=settings.default_model,
        limits=IntakeLimits(
            max_body_bytes=settings.max_body_bytes,
            max_records=settings.max_records,
            max_fields_per_record=settings.max_fields_per_record,
            body_timeout=settings.body_timeout,
        ),
        admission=Admission(
            settings.max_in_flight, settings.request_deadline, settings.queue_timeout
        ),
        metrics=Metrics(settings.metrics_dir),
        batching=(
            (settings.batch_max_rows, settings.batch_max_wait)
            if settings.batch_max_rows > 1
            else None
        ),
    )
