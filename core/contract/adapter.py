"""The adapter contract: the stable interface every served model implements."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from packaging.version import InvalidVersion, Version

from roost.core.contract import artifacts
from roost.core.contract.outputs import Output, check_outputs, default_outputs

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "VERSION_FROM_ARTIFACT",
    "AdapterContext",
    "ModelAdapter",
    "Training",
    "check_adapter_class",
]

#: Entry-point group in which adapter distributions register their class.
ENTRY_POINT_GROUP = "roost.adapters"
NAME_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
#: What a model may be: `ModelAdapter.task` is one of these.
TASKS = ("regression", "classification")
#: `ModelAdapter.version` of an adapter whose versions are its trained
#: artifacts: each manifest of its name in the model folder is one version.
VERSION_FROM_ARTIFACT = "from-artifact"


@dataclass(frozen=True)
class AdapterContext:
    """What the host hands an adapter: where its artifacts live, its options."""

    name: str
    version: str
    model_dir: Path
    options: Mapping[str, Any] = field(default_factory=dict)
    #: "warn" or "refuse" when library versions differ from training time.
    library_mismatch: str = "warn"

    def load_artifact(self) -> object:
        """Load this adapter version's trained artifact, checksum verified."""
        return artifacts.load_artifact(
            self.model_dir, self.name, self.version, self.library_mismatch
        )

    def read_manifest(self) -> artifacts.Manifest:
        """Return the manifest of this adapter version's artifact."""
        return artifacts.read_manifest(self.model_dir, self.name, self.version)


@dataclass(frozen=True)
class Training:
    """The result of `ModelAdapter.train`: an object to persist and its metrics."""

    artifact: object
    metrics: Mapping[str, float]


class ModelAdapter:
    """Base class of every adapter: load once, predict many.

    Subclasses set the class attributes and implement `predict`; heavy work
    (reading artifacts) belongs in `load`, which the host calls once per
    worker before serving. Adapters know nothing of HTTP: they raise
    `roost.core.errors.AdapterError` to refuse an input.
    """

    name: ClassVar[str]
    version: ClassVar[str]
    task: ClassVar[str]
    input_schema: ClassVar[Mapping[str, Mapping[str, Any]]]
    description: ClassVar[str] = ""
    #: What `predict` returns, named and typed (`roost.core.Output`); empty
    #: means one `predictions` output (FP64 for a regressor).
    outputs: ClassVar[tuple[Output, ...]] = ()

    def __init__(self, context: AdapterContext) -> None:
        self.context = context

    def load(self) -> None:
        """Load artifacts; must be safe to call more than once."""

    def unload(self) -> None:
        """Release what `load` holds (sessions, files); optional.

        The host calls it once when the worker stops; an exception here is
        logged and never stops the other adapters from unloading.
        """

    def predict(self, frame: pd.DataFrame) -> Any:
        """Return the outputs for every row of `frame`.

        One declared output: a sequence with one value per row (a list,
        Series or array; 2-D for an output with a width). Several: a mapping
        of output name to such a sequence, or a DataFrame whose columns are
        the 1-D outputs. An adapter whose `predict` also takes an `outputs`
        keyword is told which outputs the request needs and may compute only
        those.
        """
        raise NotImplementedError(f"{type(self).__name__} does not implement predict")

    def predict_columns(self, columns: Mapping[str, Sequence[Any]], rows: int) -> Any:
        """Return the outputs for `rows` rows handed as columns; optional.

        roost calls it instead of `predict` for a small batch whose every
        value was valid as it came (at most 32 records, every field present)
        when no micro-batching merges it with others, and so skips building
        the frame. `columns` maps every schema field to one value
        per row: numbers as JSON gave them (int or float), strings as str,
        None where a nullable value is null. Answer as `predict` answers for
        the same rows. Return `NotImplemented` (the default) to be handed
        the frame instead.
        """
        return NotImplemented

    def train(self) -> Training:
        """Fit the model on the adapter's own data; optional.

        Returns the object to persist (loaded back through
        `context.load_artifact()`) and its metrics. The host saves it.
        """
        raise NotImplementedError(f"adapter {self.name!r} does not support training")

    def reference_data(self) -> pd.DataFrame | None:
        """Return rows of this adapter's inputs to compare artifacts on; optional.

        `roost diff` predicts them with two artifacts. None (the default)
        means the adapter has none and the operator passes `--data`.
        """
        return None

    @classmethod
    def declared_outputs(cls) -> tuple[Output, ...]:
        """The outputs this adapter declares, or the default for its task."""
        return tuple(cls.outputs) if cls.outputs else default_outputs(cls.task)

    @classmethod
    def supports_training(cls) -> bool:
        """Say whether this adapter overrides `train`."""
        return cls.train is not ModelAdapter.train


def check_adapter_class(plugin: object) -> type[ModelAdapter]:
    """Check that an entry point's object honours the contract.

    Raises:
        TypeError: it is not a ModelAdapter subclass.
        ValueError: a class attribute is missing or malformed.
    """
    if not (isinstance(plugin, type) and issubclass(plugin, ModelAdapter)):
        raise TypeError(f"{plugin!r} is not a subclass of roost.core.ModelAdapter")
    for attribute in ("name", "version", "task", "input_schema"):
        if not hasattr(plugin, attribute):
            raise ValueError(
                f"{plugin.__name__} lacks the class attribute {attribute!r}"
            )
    if not isinstance(plugin.name, str) or not NAME_PATTERN.fullmatch(plugin.name):
        raise ValueError(
            f"{plugin.__name__}.name {plugin.name!r} is not URL-safe "
            "(lowercase letters, digits and single hyphens)"
        )
    try:
        if plugin.version != VERSION_FROM_ARTIFACT:
            Version(str(plugin.version))
    except InvalidVersion:
        raise ValueError(
            f"{plugin.__name__}.version {plugin.version!r} is not a PEP 440 version "
            f"(or {VERSION_FROM_ARTIFACT!r})"
        ) from None
    if not isinstance(plugin.input_schema, Mapping) or not plugin.input_schema:
        raise ValueError(f"{plugin.__name__}.input_schema must be a non-empty mapping")
    if not isinstance(plugin.task, str) or not plugin.task:
        raise ValueError(f"{plugin.__name__}.task must be a non-empty string")
    if plugin.task not in TASKS:
        raise ValueError(
            f"{plugin.__name__}.task {plugin.task!r} is not one of {', '.join(TASKS)}"
        )
    if plugin.outputs:
        check_outputs(plugin.__name__, plugin.outputs)
    return plugin
