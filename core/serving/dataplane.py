"""The data plane: one road from any protocol's rows to the adapter and back.

Controllers decode a request into an `InputBatch` (v1 records through
`decode_records`, V2 tensors through `roost.core.serving.tensors.to_batch`)
and call `DataPlane.predict`, which applies, in this order and for every
protocol alike: the limits, the choice of model version, admission,
validation, micro-batching, the adapter call and the metrics.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd
from cerberus import SchemaError

from roost.core.contract.outputs import Output
from roost.core.contract.registry import Registry
from roost.core.errors import (
    AdapterNotFoundError,
    AdapterNotReadyError,
    BadRequestError,
    RequestValidationError,
)
from roost.core.monitoring.drift_observer import drift_observers
from roost.core.runtime.logs import request_id_var
from roost.core.runtime.metrics import Metrics
from roost.core.runtime.settings import Settings
from roost.core.runtime.traffic_file import with_traffic_file
from roost.core.serving.admission import Admission
from roost.core.serving.default_model import choose_regression_model
from roost.core.serving.input_batch import InputBatch
from roost.core.serving.intake import decode_records
from roost.core.serving.limits import IntakeLimits, enforce_limits
from roost.core.serving.model_lane import ModelLane
from roost.core.serving.payload import build_payload_log
from roost.core.serving.prediction_records import (
    PredictionObserver,
    PredictionRecord,
    PredictionResult,
)
from roost.core.serving.readiness import Readiness
from roost.core.serving.shadow import ShadowObserver
from roost.core.serving.traffic import TrafficPlan
from roost.core.serving.typed_frames import FrameSource
from roost.core.serving.validation import ValidatedBatch

__all__ = [
    "DataPlane",
    "PredictionObserver",
    "PredictionRecord",
    "PredictionResult",
    "build_dataplane",
]

logger = logging.getLogger(__name__)


class DataPlane:
    """What every controller calls to predict, whatever its protocol."""

    def __init__(
        self,
        registry: Registry,
        *,
        default_model: str | None = None,
        limits: IntakeLimits | None = None,
        admission: Admission | None = None,
        metrics: Metrics | None = None,
        batching: tuple[int, float] | None = None,
        observers: Sequence[PredictionObserver] = (),
        traffic: TrafficPlan | None = None,
        problems: Iterable[tuple[str, str]] = (),
    ) -> None:
        self.registry = registry
        self.observers = list(observers)
        self.limits = limits or IntakeLimits()
        self.metrics = metrics or Metrics()
        self._traffic = traffic or TrafficPlan(registry, {})
        self.readiness = Readiness(
            registry, (*self._traffic.problems().items(), *problems)
        )
        self._admission = admission
        self._regression = choose_regression_model(registry, default_model)
        self._lanes: dict[tuple[str, str], ModelLane] = {}
        for entry in registry.entries():
            if entry.ready and entry.version:
                try:
                    lane = ModelLane(entry, self.metrics, batching)
                except (SchemaError, ValueError, TypeError) as exc:
                    # NOTE: cerberus, the coercion and the column checks each
                    # refuse a broken schema their own way; none may take
                    # the other adapters down.
                    logger.error(
                        "adapter %s has an invalid schema: %s", entry.name, exc
                    )
                    entry.error = f"invalid input schema: {exc}"
                    continue
                self._lanes[(entry.name, lane.version)] = lane
        for entry in registry.entries():
            if entry.version is not None:
                self.metrics.ready.labels(entry.name, entry.version).set(
                    int(entry.ready)
                )

    def regression_model(self) -> str:
        """Name the model serving the regression compatibility route.

        Raises:
            DefaultModelError: several regression models, none chosen.
            AdapterNotFoundError: no regression model is installed.
        """
        return self._regression.require()

    def regression_model_or_none(self) -> str | None:
        """Name the model `regression_model` names; None when there is none."""
        return self._regression.name

    def route(
        self, name: str, version: str | None = None, routing_key: str | None = None
    ) -> str | None:
        """Name the version a request gets: its own, else its model's split's.

        A versioned request is never split. None means the model's default.

        Raises:
            AdapterNotReadyError: the model's split names a missing version.
        """
        if version is not None:
            return version
        return self._traffic.choose(name, routing_key or None)

    def decode_records(
        self,
        raw: bytes,
        name: str | None,
        version: str | None = None,
        *,
        allow_envelope: bool = True,
    ) -> InputBatch:
        """Decode a v1 predict body for model `name` (None: no model known).

        The model's column decoder reads bodies of complete flat records
        straight into columns; any other body is parsed strictly, with the
        same errors (`roost.core.serving.intake.decode_records`).

        Raises:
            BadRequestError: the body is not strict JSON or not records.
        """
        lane = self._lane_or_none(name, version)
        decoder = None if lane is None else lane.decoder
        return decode_records(raw, decoder, allow_envelope=allow_envelope)

    def predict(
        self,
        name: str,
        batch: InputBatch,
        version: str | None = None,
        *,
        partial: bool = False,
        outputs: Sequence[str] | None = None,
    ) -> PredictionResult:
        """Predict every valid row of `batch` with a version of model `name`.

        With `partial`, invalid rows get `None` in place; without it, any
        invalid row fails the whole batch. `outputs` names the outputs to
        compute; None or empty means every declared output.

        Raises:
            BadRequestError: an unknown output was asked for.
            BadRequestError, PayloadTooLargeError: the batch is over a limit.
            AdapterNotFoundError, AdapterNotReadyError: no such ready model.
            RequestValidationError: a row is invalid and `partial` is false.
            OverloadedError, DeadlineExceededError: from admission control.
            AdapterError, PredictionError: the adapter refused or failed.
        """
        enforce_limits(batch, self.limits)
        lane = self._lane(name, version)
        wanted = _wanted_outputs(lane, outputs)
        if self._admission is None:
            return self._predict(lane, batch, partial, wanted)
        return self._admission.run(
            lambda: self._predict(lane, batch, partial, wanted),
            f"{lane.name} {lane.version}",
        )

    def _notify(self, record: PredictionRecord) -> None:
        """Hand the prediction to every observer; none may fail the request."""
        for observer in self.observers:
            try:
                observer.observe(record)
            except Exception:
                logger.exception("prediction observer %r failed", observer)

    def _lane(self, name: str, version: str | None) -> ModelLane:
        entry = self.registry.lookup_ready(name, version)
        return self._lanes[(entry.name, str(entry.version))]

    def _lane_or_none(self, name: str | None, version: str | None) -> ModelLane | None:
        if name is None:
            return None
        try:
            return self._lane(name, version)
        except (AdapterNotFoundError, AdapterNotReadyError):
            return None  # reported by `predict`, after the body's own errors

    def _predict(
        self,
        lane: ModelLane,
        batch: InputBatch,
        partial: bool,
        wanted: tuple[Output, ...],
    ) -> PredictionResult:
        started = (time.time(), time.perf_counter())
        checked = lane.validator.validate_batch(batch)
        if checked.problems:
            self.metrics.validation_failures.labels(lane.name, lane.version).inc(
                len(checked.problems)
            )
            if not partial:
                raise RequestValidationError(checked.problems, checked.total)
        requested = (
            None if len(wanted) == len(lane.outputs) else {o.name for o in wanted}
        )
        columns = (
            lane.predict_validated(checked, requested) if checked.valid_rows else {}
        )
        lane.rows_predicted.inc(len(checked.valid_rows))
        outputs: dict[str, list[Any]] = {}
        for output in wanted:
            values: list[Any] = [None] * checked.total
            for row, value in zip(
                checked.valid_rows, columns.get(output.name, ()), strict=False
            ):
                values[row] = value
            outputs[output.name] = values
        if self.observers and checked.valid_rows:
            request_id = request_id_var.get()
            self._notify(
                PredictionRecord(
                    lane.name,
                    lane.version,
                    None if request_id == "-" else request_id,
                    _frame_of(checked),
                    tuple(checked.valid_rows),
                    columns,
                    wanted,
                    started[0],
                    time.perf_counter() - started[1],
                    checked.columns,
                )
            )
        return PredictionResult(
            lane.name, lane.version, outputs, wanted, checked.problems, checked.total
        )


def _frame_of(checked: ValidatedBatch) -> FrameSource:
    """The batch's frame if built, else what builds it when an observer asks."""
    source = checked.source
    return source if isinstance(source, pd.DataFrame) else lambda: checked.frame


def _wanted_outputs(
    lane: ModelLane, requested: Sequence[str] | None
) -> tuple[Output, ...]:
    """The declared outputs a request names, in declared order (all: None).

    Raises:
        BadRequestError: a name the model does not declare, or one named twice.
    """
    if not requested:
        return lane.outputs
    repeated = [name for name, count in Counter(requested).items() if count > 1]
    if repeated:
        raise BadRequestError(f"output {repeated[0]!r} is asked for more than once")
    declared = {output.name for output in lane.outputs}
    unknown = [name for name in dict.fromkeys(requested) if name not in declared]
    if unknown:
        raise BadRequestError(
            f"output {unknown[0]!r} is not produced by model {lane.name!r}; it "
            f"produces {', '.join(repr(o.name) for o in lane.outputs)}"
        )
    return tuple(output for output in lane.outputs if output.name in requested)


def build_dataplane(settings: Settings) -> DataPlane:
    """Discover and load every adapter; wire limits, admission and metrics."""
    settings, file_problem = with_traffic_file(settings)
    registry = Registry.from_settings(settings)
    registry.load_all()
    metrics = Metrics(settings.metrics_dir)
    shadow = ShadowObserver(
        registry, settings.shadow, metrics.shadow, settings.shadow_queue
    )
    ready = sum(entry.ready for entry in registry.entries())
    logger.info(
        "%d of %d adapter version(s) ready in namespace %s",
        ready,
        len(registry.entries()),
        settings.adapter_namespace,
    )
    payload_log = build_payload_log(settings, metrics)
    observers: list[PredictionObserver] = [] if payload_log is None else [payload_log]
    if settings.shadow:
        observers.append(shadow)
    return DataPlane(
        registry,
        default_model=settings.default_model,
        limits=IntakeLimits(
            max_body_bytes=settings.max_body_bytes,
            max_records=settings.max_records,
            max_fields_per_record=settings.max_fields_per_record,
            body_timeout=settings.body_timeout,
        ),
        admission=Admission(
            settings.max_in_flight,
            settings.request_deadline,
            settings.queue_timeout,
            settings.inline_below,
        ),
        metrics=metrics,
        batching=(
            (settings.batch_max_rows, settings.batch_max_wait)
            if settings.batch_max_rows > 1
            else None
        ),
        observers=[
            *observers,
            *drift_observers(
                registry,
                metrics,
                settings.drift_queue,
                settings.drift_sample_rows,
            ),
        ],
        traffic=TrafficPlan(registry, settings.traffic),
        problems=[
            *shadow.problems().items(),
            *([("ROOST_TRAFFIC_FILE", file_problem)] if file_problem else []),
        ],
    )
