"""What the server says about its models: summaries and full metadata."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from roost.client.errors import UnexpectedAnswerError

__all__ = ["ModelMetadata", "ModelSummary", "VersionState"]


def _text_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True)
class ModelSummary:
    """One installed model, as `GET /v1/models` lists it.

    Attributes:
        name: the model's name, its URL segment.
        version: the version served when a request names none.
        versions: every installed version.
        task: `regression` or `classification`; None when it failed to import.
        ready: whether the default version can predict.
        error: why it is not ready, if it is not.
        raw: the server's whole JSON object, with fields this client predates.
    """

    name: str
    version: str | None
    versions: tuple[str, ...]
    task: str | None
    ready: bool
    error: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> ModelSummary:
        """Read one entry of the model list."""
        return cls(**_summary_fields(body))


@dataclass(frozen=True)
class VersionState:
    """Whether one installed version of a model can predict, and if not why."""

    version: str | None
    ready: bool
    error: str | None = None


@dataclass(frozen=True)
class ModelMetadata(ModelSummary):
    """One model in full, as `GET /v1/models/{name}` describes it.

    Attributes:
        description: the model's one-line description.
        input_schema: the schema each record must match (cerberus rules).
        version_states: readiness of every installed version.
    """

    description: str = ""
    input_schema: Mapping[str, Any] | None = None
    version_states: tuple[VersionState, ...] = ()

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> ModelMetadata:
        """Read a model's metadata body."""
        return cls(
            **_summary_fields(body),
            description=str(body.get("description") or ""),
            input_schema=body.get("input_schema"),
            version_states=tuple(
                VersionState(
                    _text_or_none(state.get("version")),
                    bool(state.get("ready")),
                    _text_or_none(state.get("error")),
                )
                for state in body.get("version_states") or ()
            ),
        )


def _summary_fields(body: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(body, Mapping) or not body.get("name"):
        raise UnexpectedAnswerError(f"a model entry without a name: {body!r:.200}")
    return {
        "name": str(body["name"]),
        "version": _text_or_none(body.get("version")),
        "versions": tuple(str(version) for version in body.get("versions") or ()),
        "task": _text_or_none(body.get("task")),
        "ready": bool(body.get("ready")),
        "error": _text_or_none(body.get("error")),
        "raw": dict(body),
    }
