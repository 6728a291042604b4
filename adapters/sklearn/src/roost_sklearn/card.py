"""The model card: what a packaged model is, written once as `card.json`.

`roost package` writes it next to the artifact; the runtime reads every class
attribute of the served adapter from it (name, version, task, input schema,
outputs) and loads the artifact exactly as it says (engine, file, sha256,
trusted types).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from roost.core import Output

__all__ = ["CARD_FILE", "CARD_FORMAT", "ModelCard", "OnnxCheck"]

#: The card's file name inside a packaged model.
CARD_FILE = "card.json"
#: The card layout this runtime reads; bumped when a field changes meaning.
CARD_FORMAT = 1


@dataclass(frozen=True)
class OnnxCheck:
    """How the model's ONNX conversion compared with scikit-learn.

    `max_difference` is the largest difference on the reference rows:
    absolute for probabilities, relative for regression values (None when
    conversion failed). `file` and `sha256` name the graph when it is served.
    """

    tolerance: float
    max_difference: float | None = None
    refused: str | None = None
    file: str | None = None
    sha256: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the card's `onnx_*` fields."""
        graph = None
        if self.file is not None:
            graph = {"file": self.file, "sha256": self.sha256}
        return {
            "onnx_max_difference": self.max_difference,
            "onnx_tolerance": self.tolerance,
            "onnx_refused": self.refused,
            "onnx_artifact": graph,
        }

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> OnnxCheck | None:
        """Read the card's `onnx_*` fields; None when it has none."""
        if body.get("onnx_tolerance") is None:
            return None
        difference = body.get("onnx_max_difference")
        graph = body.get("onnx_artifact") or {}
        return cls(
            tolerance=float(body["onnx_tolerance"]),
            max_difference=None if difference is None else float(difference),
            refused=body.get("onnx_refused"),
            file=graph.get("file"),
            sha256=graph.get("sha256"),
        )


@dataclass(frozen=True)
class ModelCard:
    """Identity, inputs, outputs and artifact of one packaged model.

    `features` are the estimator's input columns in the order it was fitted
    on (`named_features`: it saw a DataFrame with those names, so it is handed
    one). `labels` are a classifier's classes in the estimator's order.

    `onnx` describes the ONNX conversion made at packaging time, whichever
    engine won: the graph's file and sha256 when it was kept, the largest
    difference from scikit-learn on the reference rows, the tolerance it was
    held to, and the reason it was refused (None when `engine` is `onnx`).
    """

    name: str
    version: str
    task: str
    input_schema: Mapping[str, Mapping[str, Any]]
    features: tuple[str, ...]
    outputs: tuple[Output, ...]
    artifact: str
    sha256: str
    engine: str = "sklearn"
    labels: tuple[Any, ...] | None = None
    named_features: bool = True
    trusted_types: tuple[str, ...] = ()
    reference: str | None = None
    description: str = ""
    libraries: Mapping[str, str] = field(default_factory=dict)
    onnx: OnnxCheck | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the card as a JSON-ready dict."""
        return {
            "format": CARD_FORMAT,
            "name": self.name,
            "version": self.version,
            "task": self.task,
            "description": self.description,
            "engine": self.engine,
            "input_schema": {
                key: dict(rules) for key, rules in self.input_schema.items()
            },
            "features": list(self.features),
            "named_features": self.named_features,
            "outputs": [output.describe() for output in self.outputs],
            "labels": None if self.labels is None else list(self.labels),
            "artifact": {
                "file": self.artifact,
                "sha256": self.sha256,
                "trusted_types": list(self.trusted_types),
            },
            "reference": self.reference,
            "libraries": dict(self.libraries),
            **({} if self.onnx is None else self.onnx.to_json()),
        }

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> ModelCard:
        """Rebuild a card from `to_json()`'s form.

        Raises:
            ValueError: a field is missing or the format is not this runtime's.
        """
        if body.get("format") != CARD_FORMAT:
            raise ValueError(
                f"model card format {body.get('format')!r} is not {CARD_FORMAT}; "
                "install the roost-sklearn that packaged this model"
            )
        try:
            artifact = body["artifact"]
            labels = body.get("labels")
            return cls(
                name=str(body["name"]),
                version=str(body["version"]),
                task=str(body["task"]),
                description=str(body.get("description", "")),
                engine=str(body.get("engine", "sklearn")),
                input_schema={k: dict(v) for k, v in body["input_schema"].items()},
                features=tuple(str(name) for name in body["features"]),
                named_features=bool(body.get("named_features", True)),
                outputs=tuple(Output.from_description(o) for o in body["outputs"]),
                labels=None if labels is None else tuple(labels),
                artifact=str(artifact["file"]),
                sha256=str(artifact["sha256"]),
                trusted_types=tuple(str(t) for t in artifact.get("trusted_types", ())),
                reference=body.get("reference"),
                libraries={
                    str(k): str(v) for k, v in body.get("libraries", {}).items()
                },
                onnx=OnnxCheck.from_json(body),
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"model card is malformed: {exc!r}") from exc

    def write(self, path: Path) -> None:
        """Write the card as indented JSON to `path`."""
        text = json.dumps(self.to_json(), indent=2, ensure_ascii=False)
        path.write_text(text + "\n", encoding="utf-8")

    @classmethod
    def read(cls, path: Path) -> ModelCard:
        """Read a card written by `write`.

        Raises:
            ValueError: the file is not a card this runtime reads.
        """
        return cls.from_json(json.loads(path.read_text(encoding="utf-8")))

    @classmethod
    def from_text(cls, text: str) -> ModelCard:
        """Read a card from its JSON text."""
        return cls.from_json(json.loads(text))
