"""Declared outputs: what an adapter's predictions are, named and typed once.

Every description of a model's answers derives from its declaration: the v1
body, V2 metadata and inference outputs, the per-model OpenAPI schemas, the
columns `roost predict` writes and what `roost diff` compares.

```python
from roost.core import ModelAdapter, Output

class BandAdapter(ModelAdapter):
    task = "classification"
    outputs = (
        Output.label(("cheap", "mid", "expensive")),   # "predictions"
        Output.probabilities(("cheap", "mid", "expensive")),
    )
```

A regressor that declares nothing has one FP64 output, `predictions`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "DATATYPES",
    "PREDICTIONS",
    "PROBABILITIES",
    "Output",
    "check_outputs",
    "default_outputs",
]

#: The output every adapter has: v1's `predictions`, the regression route's.
PREDICTIONS = "predictions"
#: The conventional name of a classifier's class probabilities.
PROBABILITIES = "probabilities"
#: V2 datatypes an output may declare.
DATATYPES = ("FP64", "FP32", "INT64", "INT32", "BOOL", "BYTES")
OUTPUT_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,63}")

Kind = Literal["number", "label", "probabilities", "value"]


@dataclass(frozen=True)
class Output:
    """One named output of an adapter.

    `labels` are a classifier's classes: the values a label output takes, or
    the column order of a probabilities output. `width` makes an output 2-D:
    each row's value is a list of `width` numbers.
    """

    name: str
    datatype: str = "FP64"
    labels: tuple[Any, ...] | None = None
    width: int | None = None

    @classmethod
    def number(cls, name: str = PREDICTIONS, datatype: str = "FP64") -> Output:
        """A number per row: a regressor's prediction."""
        return cls(name, datatype)

    @classmethod
    def label(cls, labels: Sequence[Any], name: str = PREDICTIONS) -> Output:
        """A class label per row, one of `labels` (their type sets the datatype)."""
        classes = tuple(_plain(label) for label in labels)
        return cls(name, _label_datatype(classes), classes)

    @classmethod
    def probabilities(cls, labels: Sequence[Any], name: str = PROBABILITIES) -> Output:
        """One probability per class and row, in the order of `labels`."""
        classes = tuple(_plain(label) for label in labels)
        return cls(name, "FP64", classes, len(classes))

    @property
    def kind(self) -> Kind:
        """What the values are: numbers, labels, probabilities or other values."""
        if self.labels is not None:
            return "probabilities" if self.width is not None else "label"
        if self.datatype in {"FP64", "FP32", "INT64", "INT32"}:
            return "number"
        return "value"

    @property
    def shape(self) -> list[int]:
        """The V2 shape: -1 rows, then the width of a 2-D output."""
        return [-1] if self.width is None else [-1, self.width]

    def describe(self) -> dict[str, Any]:
        """JSON-ready description (model metadata, model cards)."""
        body: dict[str, Any] = {
            "name": self.name,
            "datatype": self.datatype,
            "shape": self.shape,
            "kind": self.kind,
        }
        if self.labels is not None:
            body["labels"] = list(self.labels)
        return body

    @classmethod
    def from_description(cls, body: dict[str, Any]) -> Output:
        """Rebuild an output from `describe()`'s form (model cards)."""
        shape = list(body.get("shape", [-1]))
        labels = body.get("labels")
        return cls(
            str(body["name"]),
            str(body.get("datatype", "FP64")),
            None if labels is None else tuple(labels),
            int(shape[1]) if len(shape) > 1 else None,
        )


def default_outputs(task: str) -> tuple[Output, ...]:
    """The outputs of an adapter that declares none: one `predictions`."""
    return (Output(PREDICTIONS, "BYTES" if task == "classification" else "FP64"),)


def check_outputs(owner: str, outputs: object) -> tuple[Output, ...]:
    """Check a declaration; return it as a tuple.

    Raises:
        ValueError: not a non-empty sequence of distinct, well-formed outputs
            including `predictions`.
    """
    if not isinstance(outputs, Sequence) or isinstance(outputs, str) or not outputs:
        raise ValueError(f"{owner}.outputs must be a non-empty tuple of Output")
    seen: set[str] = set()
    for output in outputs:
        if not isinstance(output, Output):
            raise ValueError(f"{owner}.outputs holds {output!r}, not an Output")
        if not OUTPUT_NAME.fullmatch(output.name):
            raise ValueError(f"{owner}: output name {output.name!r} is not valid")
        if output.name in seen:
            raise ValueError(f"{owner}: output {output.name!r} is declared twice")
        seen.add(output.name)
        if output.datatype not in DATATYPES:
            raise ValueError(
                f"{owner}: output {output.name!r} datatype {output.datatype!r} "
                f"is not one of {', '.join(DATATYPES)}"
            )
        if output.labels is not None and len(set(output.labels)) != len(output.labels):
            raise ValueError(f"{owner}: output {output.name!r} repeats a label")
        if output.width is not None and output.width < 1:
            raise ValueError(f"{owner}: output {output.name!r} width must be >= 1")
        if (
            output.labels is not None
            and output.width is not None
            and output.width != len(output.labels)
        ):
            raise ValueError(
                f"{owner}: output {output.name!r} has {output.width} columns "
                f"but {len(output.labels)} labels"
            )
    if PREDICTIONS not in seen:
        raise ValueError(f"{owner}.outputs must include {PREDICTIONS!r}")
    return tuple(outputs)


def _plain(value: Any) -> Any:
    """A label as a plain Python value (numpy scalars become int, str, ...)."""
    item = getattr(value, "item", None)
    return item() if callable(item) else value


def _label_datatype(labels: tuple[Any, ...]) -> str:
    if labels and all(isinstance(label, bool) for label in labels):
        return "BOOL"
    if labels and all(
        isinstance(label, int) and not isinstance(label, bool) for label in labels
    ):
        return "INT64"
    return "BYTES"
