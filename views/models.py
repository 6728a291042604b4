"""Render adapter metadata, versions and predictions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from roost.core.contract.registry import AdapterEntry
from roost.core.serving.prediction_records import PredictionResult
from roost.views.errors import render_problems

__all__ = [
    "render_model",
    "render_model_summary",
    "render_models",
    "render_prediction",
    "render_regression_compat",
    "render_version",
]


def _versions(versions: Sequence[AdapterEntry]) -> list[str]:
    return [entry.version for entry in versions if entry.version is not None]


def render_model_summary(
    default: AdapterEntry, versions: Sequence[AdapterEntry]
) -> dict[str, Any]:
    """Summarise one adapter name: its default version and readiness."""
    adapter_class = default.adapter_class
    body: dict[str, Any] = {
        "name": default.name,
        "version": default.version,
        "versions": _versions(versions),
        "task": adapter_class.task if adapter_class else None,
        "ready": default.ready,
    }
    if default.error is not None:
        body["error"] = default.error
    return body


def render_models(summaries: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Wrap the model summaries in the list body."""
    return {"models": list(summaries)}


def render_model(
    default: AdapterEntry, versions: Sequence[AdapterEntry]
) -> dict[str, Any]:
    """Describe one adapter in full: metadata, every version, the input schema."""
    body = render_model_summary(default, versions)
    adapter_class = default.adapter_class
    body["description"] = adapter_class.description if adapter_class else ""
    body["input_schema"] = (
        _schema(adapter_class.input_schema) if adapter_class else None
    )
    body["version_states"] = [
        {"version": entry.version, "ready": entry.ready, "error": entry.error}
        for entry in versions
    ]
    return body


def _schema(schema: Any) -> Any:
    """Return the schema as plain JSON data (callables become their names)."""
    if isinstance(schema, Mapping):
        return {str(key): _schema(value) for key, value in schema.items()}
    if isinstance(schema, list | tuple | set | frozenset):
        return [_schema(value) for value in schema]
    if callable(schema):
        return getattr(schema, "__name__", repr(schema))
    return schema


def render_prediction(result: PredictionResult, *, partial: bool) -> dict[str, Any]:
    """Render a v1 prediction; with `partial`, invalid rows are null plus errors.

    Each computed output is a key holding one value per record; a
    probabilities output gives per record an object keyed by class label.
    """
    body: dict[str, Any] = {"model": result.name, "version": result.version}
    for output in result.declared:
        values = result.outputs[output.name]
        if output.kind == "probabilities" and output.labels is not None:
            keys = [str(label) for label in output.labels]
            values = [
                None if row is None else dict(zip(keys, row, strict=True))
                for row in values
            ]
        body[output.name] = values
    if partial:
        body["errors"] = render_problems(result.problems) if result.problems else None
    return body


def render_regression_compat(result: PredictionResult) -> dict[str, Any]:
    """Render the compatibility route's body: predictions, model, version, errors.

    The original API's keys (`predictions`, `version`, `errors`) keep their
    meaning; `model` names the adapter that answered.
    """
    return {
        "model": result.name,
        "predictions": [
            value
            for row, value in enumerate(result.predictions)
            if row not in result.problems
        ],
        "version": result.version,
        "errors": render_problems(result.problems) if result.problems else None,
    }


def render_version(
    api_version: str, default: AdapterEntry | None, entries: Iterable[AdapterEntry]
) -> dict[str, Any]:
    """Render /version: the API's version, the default model's, and all models'."""
    models: dict[str, list[str]] = {}
    for entry in entries:
        if entry.version is not None:
            models.setdefault(entry.name, []).append(entry.version)
    return {
        "api_version": api_version,
        "model_version": default.version if default else None,
        "model": default.name if default else None,
        "models": models,
    }
